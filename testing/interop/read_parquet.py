"""Read Parquet files with pyarrow and print their rows as JSON Lines.

Usage: read_parquet.py FILE...

Each row is printed as one JSON object (column name -> value), so a Go test
can compare what pyarrow reads with what it wrote. Timestamps are printed as
integer milliseconds since the epoch; everything else as pyarrow's to_pylist()
gives it.
"""
import datetime
import json
import sys

import pyarrow.parquet as pq


def plain(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return int(value.timestamp() * 1000)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def main(paths):
    out = sys.stdout
    for path in paths:
        table = pq.read_table(path)
        for row in table.to_pylist():
            out.write(json.dumps({k: plain(v) for k, v in row.items()}, sort_keys=True))
            out.write("\n")


if __name__ == "__main__":
    main(sys.argv[1:])

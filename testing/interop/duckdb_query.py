"""Run one SQL query with DuckDB (in memory) and print its rows as JSON Lines.

Usage: duckdb_query.py < QUERY.sql

The query is read from standard input. Each row is printed as one JSON
object (column name -> value), so a Go test can compare what DuckDB computes
with what it expects. Timestamps are printed as integer milliseconds since
the epoch (naive ones taken as UTC), as read_parquet.py prints them.
"""
import datetime
import json
import sys

import duckdb


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


def main():
    query = sys.stdin.read()
    con = duckdb.connect()
    # Timestamps with a time zone come back in the session's zone: keep UTC.
    con.execute("SET TimeZone = 'UTC'")
    cur = con.execute(query)
    names = [d[0] for d in cur.description]
    out = sys.stdout
    for row in cur.fetchall():
        out.write(json.dumps({n: plain(v) for n, v in zip(names, row)}, sort_keys=True))
        out.write("\n")


if __name__ == "__main__":
    main()

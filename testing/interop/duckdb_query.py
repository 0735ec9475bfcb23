"""Run one SQL query with DuckDB (in memory) and print its rows as JSON Lines.

Usage: duckdb_query.py < QUERY.sql

The query is read from standard input. Each row is printed as one JSON
object (column name -> value), so a Go test can compare what DuckDB computes
with what it expects. Timestamps are printed as integer milliseconds since
the epoch (naive ones taken as UTC), as read_parquet.py prints them.
"""
import json
import sys

import duckdb

# The same conversion to JSON values as the pyarrow reader beside this script.
from read_parquet import plain


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

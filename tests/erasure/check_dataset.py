"""After an erasure: no value of the erased user in any column of any file of the dataset,
and every other user's rows as they were before.

Usage: check_dataset.py BEFORE AFTER VALUES_FILE ERASED_SESSIONS_FILE

BEFORE and AFTER are dataset folders (facesign-analytics export), VALUES_FILE the user's
personal values (one a line), ERASED_SESSIONS_FILE their session ids (one a line). Every
column of every Parquet file is read by DuckDB and compared as text: a search of decoded
values, not of compressed bytes.
"""
import sys
from pathlib import Path

import duckdb

before, after, values_file, sessions_file = (Path(a) for a in sys.argv[1:5])
values = [v for v in values_file.read_text().splitlines() if v.strip()]
erased = set(s for s in sessions_file.read_text().splitlines() if s.strip())
con = duckdb.connect()
failures = 0

def scan(root, report):
    """Every cell of every Parquet file under root, as text: (cells, files, hits)."""
    files = sorted(root.rglob("*.parquet"))
    cells = hits = 0
    for f in files:
        rel = con.sql(f"SELECT * FROM read_parquet('{f}')")
        columns = rel.columns
        for row in rel.fetchall():
            for column, cell in zip(columns, row):
                cells += 1
                text = "" if cell is None else str(cell).lower()
                for v in values:
                    if v.lower() in text:
                        hits += 1
                        if report:
                            print(f"FAIL {f.relative_to(root)}: column {column} holds {v!r}")
    return cells, len(files), hits


# The search finds the values before the erasure (what people said holds the name), so
# finding none after it means something.
_, _, hits_before = scan(before, report=False)
cells, nfiles, hits = scan(after, report=True)
print(f"before the erasure: {hits_before} cells held one of the user's values")
print(f"after: read {cells} cells of {nfiles} files: {hits or 'none'} of the user's {len(values)} values found")
failures += hits + (0 if hits_before else 1)


def rows(root, dataset, key):
    files = str(root / dataset / "**" / "*.parquet")
    rel = con.sql(f"SELECT * FROM read_parquet('{files}', hive_partitioning = true)")
    out = [r for r in rel.fetchall() if r[rel.columns.index(key)] not in erased]
    return sorted(map(repr, out))


for dataset, key in [("sessions", "session_id"), ("node_outcomes", "session_id"), ("transcript", "session_id")]:
    a, b = rows(before, dataset, key), rows(after, dataset, key)
    same = a == b
    print(f"{dataset}: {len(b)} rows of the other users, {'unchanged' if same else 'CHANGED'}")
    failures += 0 if same else 1
sys.exit(1 if failures else 0)

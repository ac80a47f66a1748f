"""Splits an export's sessions/ dataset in two by creation time: the last N sessions go to
NEW/sessions/, the others to BASE/sessions/ (files of untouched days hard-linked, the days the
cut falls in rewritten), for the incremental scoring benchmark.

Usage: python3 bench/hold_out.py DATASET N BASE NEW
"""
import os
import sys

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

dataset, n, base, new = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
root = os.path.join(dataset, "sessions")
days = sorted(d for d in os.listdir(root) if d.startswith("created_date="))
# The last days holding at least N sessions.
taken, last = 0, []
for day in reversed(days):
    files = sorted(os.listdir(os.path.join(root, day)))
    rows = sum(pq.ParquetFile(os.path.join(root, day, f)).metadata.num_rows for f in files)
    last.insert(0, day)
    taken += rows
    if taken >= n:
        break
tables = [pq.read_table(os.path.join(root, day, f)) for day in last for f in sorted(os.listdir(os.path.join(root, day)))]
table = pa.concat_tables(tables)
order = pc.sort_indices(table, sort_keys=[("created_at", "ascending"), ("session_id", "ascending")])
table = table.take(order)
cut = table.num_rows - n
for name, out, part in (("base", base, table.slice(0, cut)), ("new", new, table.slice(cut))):
    # Each day's rows of this part, to its partition.
    dates = pc.strftime(part.column("created_at"), format="%Y-%m-%d")
    for day in last:
        rows = part.filter(pc.equal(dates, day.split("=", 1)[1]))
        if rows.num_rows:
            os.makedirs(os.path.join(out, "sessions", day), exist_ok=True)
            pq.write_table(rows, os.path.join(out, "sessions", day, f"part-{name}-00001.parquet"), compression="zstd")
for day in days:
    if day in last:
        continue
    os.makedirs(os.path.join(base, "sessions", day), exist_ok=True)
    for f in os.listdir(os.path.join(root, day)):
        target = os.path.join(base, "sessions", day, f)
        if not os.path.exists(target):
            os.link(os.path.join(root, day, f), target)
first_new = table.column("created_at")[cut]
print(f"new: the last {n} sessions, from {first_new}; base: the rest ({len(days) - len(last)} days linked, {cut} sessions of the last {len(last)} day(s) rewritten)")

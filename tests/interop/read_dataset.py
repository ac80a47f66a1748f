"""Reads an exported dataset with pyarrow and DuckDB, the way a data team would, and checks
row counts against the manifest, the column types engines need (timestamps as UTC
microseconds, the partition column inferred from the folders) and a few values.

Usage: python3 tests/interop/read_dataset.py DATASET_DIR
"""
import json
import sys
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds

root = Path(sys.argv[1])
manifest = json.loads((root / "_manifest.json").read_text())
assert manifest["pending"] is None, "a commit is half done"
expected = {name: manifest[name] for name in ("sessions", "node_outcomes", "transcript")}
checks = 0

# flows/: each distinct flow once, unpartitioned; every session's flow_id is in it.
flows = ds.dataset(root / "flows", format="parquet").to_table()
assert flows.num_rows == manifest["flows"], (flows.num_rows, manifest["flows"])
assert flows.schema.field("flow_id").type in (pa.string(), pa.large_string()), flows.schema
con = duckdb.connect()
sessions_glob = str(root / "sessions" / "*" / "*.parquet")
flows_glob = str(root / "flows" / "*.parquet")
missing, distinct = con.execute(
    f"SELECT count(*) FILTER (WHERE f.flow_id IS NULL), count(DISTINCT s.flow_id) "
    f"FROM read_parquet('{sessions_glob}', hive_partitioning = true) AS s "
    f"LEFT JOIN (SELECT DISTINCT flow_id FROM read_parquet('{flows_glob}')) AS f USING (flow_id) "
    f"WHERE s.flow_id IS NOT NULL").fetchone()
assert missing == 0 and 0 < distinct < 100, (missing, distinct)
duplicated, = con.execute(f"SELECT count(*) FROM (SELECT flow_id, ordinal FROM read_parquet('{flows_glob}') GROUP BY ALL HAVING count(*) > 1)").fetchone()
assert duplicated == 0, duplicated
checks += 4

for name, rows in expected.items():
    # pyarrow: hive partitioning, the partition column typed as a date.
    dataset = ds.dataset(root / name, format="parquet", partitioning=ds.partitioning(pa.schema([("created_date", pa.date32())]), flavor="hive"))
    table = dataset.to_table()
    assert table.num_rows == rows, (name, table.num_rows, rows)
    assert table.schema.field("created_date").type == pa.date32(), table.schema
    assert table.schema.field("created_at").type == pa.timestamp("us", tz="UTC"), table.schema.field("created_at")
    assert table.schema.field("session_id").type in (pa.string(), pa.large_string())
    checks += 4

    # DuckDB: hive_partitioning infers created_date; timestamps arrive as TIMESTAMP WITH TIME ZONE.
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    glob = str(root / name / "*" / "*.parquet")
    count, = con.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true)").fetchone()
    assert count == rows, (name, count, rows)
    types = dict(con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning = true)").fetchall()[i][:2] for i in range(len(table.schema)))
    assert types["created_at"] == "TIMESTAMP WITH TIME ZONE", types["created_at"]
    assert types["created_date"] == "DATE", types["created_date"]
    # Each row's partition is the UTC date of its session's creation.
    if name == "sessions":
        mismatched, = con.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning = true) WHERE created_at IS NOT NULL AND CAST(created_at AS DATE) <> created_date").fetchone()
        assert mismatched == 0, mismatched
        statuses = dict(con.execute(f"SELECT status, count(*) FROM read_parquet('{glob}', hive_partitioning = true) GROUP BY status").fetchall())
        assert set(statuses) <= {"created", "inProgress", "complete", "incomplete"}, statuses
        assert statuses.get("complete", 0) > rows * 0.8, statuses
        checks += 2
    checks += 3

print(f"read with pyarrow {pa.__version__} and duckdb {duckdb.__version__}: {expected}, flows {manifest['flows']} rows of {distinct} flows")
print(f"interop: {checks} passed, 0 failed")

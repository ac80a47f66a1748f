"""ConnectorX + pyarrow, the baseline of bench/export.sh: the same four projections the
export writes, read from PostgreSQL into Arrow by ConnectorX and written as zstd Parquet by
pyarrow. Usage: connectorx_export.py DSN OUT; prints `rows N` and `seconds S`."""
import sys
import time
from pathlib import Path

import connectorx as cx
import pyarrow.parquet as pq

dsn, out = sys.argv[1], Path(sys.argv[2])
out.mkdir(parents=True, exist_ok=True)
FROM = "FROM sessions AS s CROSS JOIN LATERAL facesign.session_summary(s.session) AS ss"
QUERIES = {
    "sessions": f"SELECT ss.*, facesign.flow_fingerprint(s.session->'settings'->'flow') AS flow_id, r.* {FROM} "
                "CROSS JOIN LATERAL facesign.risk_signals(s.session) AS r",
    "node_outcomes": f"SELECT ss.id AS session_id, ss.client_reference_id, n.* {FROM} "
                     "CROSS JOIN LATERAL facesign.node_outcomes(s.session) AS n",
    "transcript": f"SELECT ss.id AS session_id, ss.client_reference_id, t.* {FROM} "
                  "CROSS JOIN LATERAL facesign.transcript(s.session) AS t",
    "flow_edges": f"SELECT ss.id AS session_id, e.* {FROM} "
                  "CROSS JOIN LATERAL facesign.flow_edges(s.session->'settings'->'flow') AS e",
}
start = time.perf_counter()
rows = 0
for name, query in QUERIES.items():
    table = cx.read_sql(dsn, query, return_type="arrow")
    rows += table.num_rows
    pq.write_table(table, out / f"{name}.parquet", compression="zstd")
print(f"rows {rows}")
print(f"seconds {time.perf_counter() - start:.3f}")

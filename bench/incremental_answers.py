"""The answers an incremental scorer's output gives (each session's scores/ row of the latest
run that wrote it, with that run's findings of it), compared with a batch's output, in DuckDB.

Usage: python3 bench/incremental_answers.py INCREMENTAL_OUT BATCH_OUT
Prints the sessions and findings each holds and how many differ; exits 1 if any does.
"""
import sys

import duckdb

incremental, batch = sys.argv[1], sys.argv[2]
con = duckdb.connect()
# A run's folder is scores/run=N/: hive partitioning reads N as the column `run`.
con.execute(f"""
CREATE VIEW answers AS
SELECT * EXCLUDE (run), run FROM read_parquet('{incremental}/scores/*/*.parquet', hive_partitioning = true)
QUALIFY row_number() OVER (PARTITION BY session_id ORDER BY run DESC) = 1;
CREATE VIEW answer_findings AS
SELECT f.* EXCLUDE (run) FROM read_parquet('{incremental}/findings/*/*.parquet', hive_partitioning = true) f
JOIN answers a ON a.session_id = f.session_id AND a.run = f.run;
CREATE VIEW batch_scores AS SELECT * FROM read_parquet('{batch}/scores/*.parquet');
CREATE VIEW batch_findings AS SELECT * FROM read_parquet('{batch}/findings/*.parquet');
""")
columns = "session_id, client_reference_id, created_at, risk_score, risk_level, reasons"
count = lambda q: con.execute(q).fetchone()[0]
sessions = (count("SELECT count(*) FROM answers"), count("SELECT count(*) FROM batch_scores"))
findings = (count("SELECT count(*) FROM answer_findings"), count("SELECT count(*) FROM batch_findings"))
differ = count(f"""SELECT count(*) FROM (
  (SELECT {columns} FROM answers EXCEPT ALL SELECT {columns} FROM batch_scores)
  UNION ALL (SELECT {columns} FROM batch_scores EXCEPT ALL SELECT {columns} FROM answers))""")
finding_columns = "session_id, detector, severity, points, summary"
differ_findings = count(f"""SELECT count(*) FROM (
  (SELECT {finding_columns} FROM answer_findings EXCEPT ALL SELECT {finding_columns} FROM batch_findings)
  UNION ALL (SELECT {finding_columns} FROM batch_findings EXCEPT ALL SELECT {finding_columns} FROM answer_findings))""")
print(f"answers: {sessions[0]} sessions, {findings[0]} findings; batch: {sessions[1]} sessions, {findings[1]} findings; "
      f"differing score rows {differ}, differing findings {differ_findings}")
sys.exit(1 if differ or differ_findings or sessions[0] != sessions[1] else 0)

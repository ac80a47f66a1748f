"""Reads an exported dataset with PySpark in local mode: row counts against the manifest,
timestamps as TimestampType, the partition column inferred as a date, and the partition of
each session its creation date.

Usage: python3 tests/interop/read_with_spark.py DATASET_DIR
"""
import json
import sys
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, TimestampType

root = Path(sys.argv[1]).resolve()
manifest = json.loads((root / "_manifest.json").read_text())
spark = (
    SparkSession.builder.master("local[1]")
    .appName("facesign-interop")
    .config("spark.sql.session.timeZone", "UTC")
    .config("spark.ui.enabled", "false")
    .config("spark.ui.showConsoleProgress", "false")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("ERROR")
checks = 0
for name in ("sessions", "node_outcomes", "transcript", "flows"):
    df = spark.read.parquet(str(root / name))
    rows = df.count()
    assert rows == manifest[name], (name, rows, manifest[name])
    types = {f.name: f.dataType for f in df.schema.fields}
    checks += 1
    if name == "flows":  # unpartitioned: each distinct flow once
        assert set(types) == {"flow_id", "ordinal", "source", "outcome", "target"}, types
        sessions = spark.read.parquet(str(root / "sessions"))
        unknown = sessions.where(F.col("flow_id").isNotNull()).join(df.select("flow_id").distinct(), "flow_id", "left_anti").count()
        assert unknown == 0, unknown
        checks += 2
        continue
    assert isinstance(types["created_at"], TimestampType), types["created_at"]
    assert isinstance(types["created_date"], DateType), types["created_date"]
    checks += 2
    if name == "sessions":
        off = df.where(F.col("created_at").isNotNull() & (F.to_date("created_at") != F.col("created_date"))).count()
        assert off == 0, off
        assert df.select("session_id").distinct().count() == rows
        checks += 2
spark.stop()
print(f"spark: {checks} passed, 0 failed")

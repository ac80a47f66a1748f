"""The impossible-travel detector as one DuckDB query, for bench/score.sh: the same rule as
facesign-analytics' default configuration (analytics/data/score.toml) over the same Parquet
sessions, writing its findings to Parquet. Prints `seconds S` and `findings N`."""

import sys
import time

import duckdb

dataset, out = sys.argv[1], sys.argv[2]
QUERY = f"""
COPY (
  WITH located AS (
    SELECT session_id, client_reference_id, created_at, latitude, longitude,
           coalesce(accuracy_radius_km, 0) AS radius, coalesce(anonymizer, false) AS anonymizer,
           coalesce(is_mobile, false) AND coalesce(accuracy_radius_km, 0) >= 100 AS carrier
    FROM read_parquet('{dataset}/sessions/*/*.parquet')
    WHERE client_reference_id IS NOT NULL AND created_at IS NOT NULL
      AND latitude IS NOT NULL AND longitude IS NOT NULL
  ), pairs AS (
    SELECT *,
      lag(session_id) OVER w AS prev_id, lag(created_at) OVER w AS prev_at,
      lag(latitude) OVER w AS prev_lat, lag(longitude) OVER w AS prev_lon,
      lag(radius) OVER w AS prev_radius, lag(anonymizer) OVER w AS prev_anonymizer,
      lag(carrier) OVER w AS prev_carrier
    FROM located
    WINDOW w AS (PARTITION BY client_reference_id ORDER BY created_at, session_id)
  ), measured AS (
    SELECT *,
      2 * 6371.0088 * asin(sqrt(
        pow(sin(radians(latitude - prev_lat) / 2), 2)
        + cos(radians(prev_lat)) * cos(radians(latitude)) * pow(sin(radians(longitude - prev_lon) / 2), 2)
      )) AS km,
      epoch(created_at - prev_at) / 3600.0 AS hours
    FROM pairs WHERE prev_id IS NOT NULL
  )
  SELECT session_id, client_reference_id, created_at, prev_id AS previous_session_id, km,
         km - radius - prev_radius AS km_beyond_accuracy, hours,
         (km - radius - prev_radius) / greatest(hours, 0.0167) AS kmh,
         CASE WHEN carrier OR prev_carrier THEN 'low' ELSE 'high' END AS severity
  FROM measured
  WHERE km - radius - prev_radius >= 500
    AND (km - radius - prev_radius) / greatest(hours, 0.0167) >= 1000
    AND NOT (anonymizer OR prev_anonymizer)
) TO '{out}' (FORMAT parquet, COMPRESSION zstd)
"""
con = duckdb.connect()
start = time.perf_counter()
con.execute(QUERY)
seconds = time.perf_counter() - start
found = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()[0]
print(f"seconds {seconds:.3f}")
print(f"findings {found}")

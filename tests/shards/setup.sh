# Sourced by tests/shards/run.sh and bench/shards.sh (after scripts/common.sh and
# cluster_start): two shard clusters beside the private one, each with a database holding
# the reference schema and its reading views, a coordinator database in the private cluster
# whose sessions table is sharded across them by sql/sessions_sharded.sql, and a database
# holding the same schema on one node, to compare with.
#
# Sets SHARD_PORTS (one per shard) and the database names SINGLE_DB, COORDINATOR_DB, SHARD_DB.

SHARDS=(shard_a shard_b)
SHARD_DB=facesign_shard
SINGLE_DB="${SINGLE_DB:-facesign_single}"
COORDINATOR_DB="${COORDINATOR_DB:-facesign_coordinator}"

# A fresh database named $2 on the cluster at port $1, with the extension and the reference
# schema and views.
fresh_reference_db() {
  local port="$1" db="$2"
  psql_db -p "$port" -d postgres -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" -c "CREATE DATABASE $db"
  psql_db -p "$port" -d "$db" -c "CREATE EXTENSION facesign" -f sql/sessions_table.sql -f sql/session_readings.sql
}

shards_setup() {
  SHARD_PORTS=()
  local name
  for name in "${SHARDS[@]}"; do
    extra_cluster_start "$name"
    SHARD_PORTS+=("$CLUSTER_PORT")
    fresh_reference_db "$CLUSTER_PORT" "$SHARD_DB"
  done
  fresh_reference_db "$PGPORT" "$SINGLE_DB"
  psql_db -d postgres -c "DROP DATABASE IF EXISTS $COORDINATOR_DB WITH (FORCE)" -c "CREATE DATABASE $COORDINATOR_DB"
  local servers=() i
  {
    echo "CREATE EXTENSION facesign;"
    echo "CREATE EXTENSION postgres_fdw;"
    for i in "${!SHARDS[@]}"; do
      echo "CREATE SERVER ${SHARDS[$i]} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '127.0.0.1',
              port '${SHARD_PORTS[$i]}', dbname '$SHARD_DB', extensions 'facesign', async_capable 'true',
              fetch_size '1000', batch_size '100');"
      echo "CREATE USER MAPPING FOR CURRENT_USER SERVER ${SHARDS[$i]} OPTIONS (user 'postgres');"
      servers+=("${SHARDS[$i]}")
    done
    echo "SET facesign.shards = '$(IFS=,; echo "${servers[*]}")';"
    echo "\\i sql/sessions_sharded.sql"
  } | psql_db -d "$COORDINATOR_DB"
}

shards_stop() {
  local name
  for name in "${SHARDS[@]}"; do extra_cluster_stop "$name"; done
}

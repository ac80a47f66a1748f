-- One pgbench transaction: a client's next snapshot in the arrivals table's (shuffled)
-- order, stored through upsert_session. Client c takes arrivals c + 1, c + 1 + N, … (N
-- clients); its position moves in the same transaction, so a transaction pgbench retries
-- after a serialization failure (--max-tries) stores the same snapshot again.
BEGIN;
SELECT upsert_session(a.doc)
FROM arrival_position AS p JOIN arrivals AS a ON a.k = p.next * :clients + :client_id + 1
WHERE p.client_id = :client_id;
UPDATE arrival_position SET next = next + 1 WHERE client_id = :client_id;
END;

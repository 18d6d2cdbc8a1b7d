-- Released migrations are never edited: add a new numbered file instead.

-- One stored message per fan-out: the rows of one alert (one payload per
-- language) point to the same text instead of each carrying a copy.
CREATE TABLE outbox_payloads (
    id   INTEGER PRIMARY KEY,
    body TEXT NOT NULL
);

ALTER TABLE outbox ADD COLUMN payload_id INTEGER REFERENCES outbox_payloads(id);
-- A message split into several platform messages is delivered part by part:
-- parts already out are counted here, their message ids kept in sent_ref.
ALTER TABLE outbox ADD COLUMN parts_sent INTEGER NOT NULL DEFAULT 0;
-- Rate-limit answers are not failures, but they are capped.
ALTER TABLE outbox ADD COLUMN rate_limited INTEGER NOT NULL DEFAULT 0;
-- Which running instance holds the lease (status 'sending' until lease_until).
ALTER TABLE outbox ADD COLUMN lease_owner TEXT;

CREATE INDEX outbox_payloads_move ON outbox_payloads(body);
INSERT INTO outbox_payloads (body) SELECT DISTINCT payload FROM outbox;
UPDATE outbox SET payload_id = (SELECT p.id FROM outbox_payloads p WHERE p.body = outbox.payload);
DROP INDEX outbox_payloads_move;
ALTER TABLE outbox DROP COLUMN payload;

-- Deleting an original cascades to its edits: without this index each deleted row
-- scanned the whole table. Partial: most rows are not edits.
CREATE INDEX outbox_edit_of ON outbox(edit_of) WHERE edit_of IS NOT NULL;
-- Payloads no row points to any more are deleted with the rows.
CREATE INDEX outbox_payload ON outbox(payload_id);

-- The process running on this database (at most one: a lock file guards it), with
-- a heartbeat for health checks and `riposte status`.
CREATE TABLE running_instance (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    owner        TEXT NOT NULL,
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    started_at   REAL NOT NULL,
    heartbeat_at REAL NOT NULL,
    stopped_at   REAL
);

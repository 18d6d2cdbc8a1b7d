-- Each platform's link as the running bot last saw it, written with its heartbeat, so that
-- `riposte status` and `riposte health` (other processes) can say which one is down.
-- Describes a running process only: never copied by copy-db.

CREATE TABLE transport_links (
    platform   TEXT PRIMARY KEY,
    up         INTEGER NOT NULL,
    down_since DOUBLE PRECISION,
    checked_at DOUBLE PRECISION NOT NULL
);

-- Clip archive (issue 7): one row per requested clip, which is also the job queue.
-- range_key is the requested range as stable text, for deduplication.
-- requested_by is cleared if the member is deleted; the clip stays in the archive.

CREATE TABLE clips (
    id                 INTEGER PRIMARY KEY,
    url                TEXT NOT NULL,
    range_start        REAL NOT NULL DEFAULT 0,
    range_end          REAL,
    range_key          TEXT NOT NULL,
    status             TEXT NOT NULL DEFAULT 'queued',
    requested_by       INTEGER REFERENCES members(id) ON DELETE SET NULL,
    requester_name     TEXT NOT NULL,
    requested_at       REAL NOT NULL,
    origin_platform    TEXT NOT NULL,
    origin_chat_id     TEXT NOT NULL,
    origin_private     INTEGER NOT NULL DEFAULT 0,
    progress_outbox_id INTEGER,
    lang               TEXT,
    alert_id           INTEGER REFERENCES alerts(id) ON DELETE SET NULL,
    title              TEXT,
    webpage_url        TEXT,
    extractor          TEXT,
    uploader           TEXT,
    duration           REAL,
    size               INTEGER,
    sha256             TEXT,
    path               TEXT,
    note               TEXT,
    fail_reason        TEXT,
    fail_detail        TEXT,
    attempts           INTEGER NOT NULL DEFAULT 0,
    started_at         REAL,
    finished_at        REAL
);
CREATE INDEX clips_dedupe ON clips(url, range_key);
CREATE INDEX clips_status ON clips(status, id);
CREATE INDEX clips_sha256 ON clips(sha256);

-- Released migrations are never edited: add a new numbered file instead.

-- Short links. A code is never given to another link: rows are never deleted
-- (a link that expires or whose owner is forgotten keeps its row), and codes
-- are unique. owner_id is whom the visits count for (attribution); subject
-- ties a link to what it was made for (`push:3`), NULL for `short`; posted_on
-- is where a push posted it (`mastodon`, `telegram`…), so clicks read per platform.
CREATE TABLE short_links (
    id          INTEGER PRIMARY KEY,
    code        TEXT NOT NULL UNIQUE,
    url         TEXT NOT NULL,
    owner_id    INTEGER REFERENCES members(id) ON DELETE SET NULL,
    scope       TEXT NOT NULL DEFAULT '[]',
    subject     TEXT,
    posted_on   TEXT,
    created_at  REAL NOT NULL,
    expires_at  REAL
);
CREATE INDEX short_links_owner ON short_links(owner_id, url);
CREATE INDEX short_links_subject ON short_links(subject, owner_id) WHERE subject IS NOT NULL;

-- Visits, counted per link and per day (days since 1970-01-01, UTC): no address,
-- no user agent, no row per visit.
CREATE TABLE link_visits (
    link_id INTEGER NOT NULL REFERENCES short_links(id) ON DELETE CASCADE,
    day     INTEGER NOT NULL,
    visits  INTEGER NOT NULL,
    PRIMARY KEY (link_id, day)
) WITHOUT ROWID;
CREATE INDEX link_visits_day ON link_visits(day, link_id, visits);

-- The web address of an archived clip: an unguessable token, one per clip.
CREATE TABLE clip_files (
    clip_id    INTEGER PRIMARY KEY REFERENCES clips(id) ON DELETE CASCADE,
    token      TEXT NOT NULL UNIQUE,
    created_at REAL NOT NULL
);

-- Dashboard login links (single use) and sessions. Only sha256 hashes of the
-- secrets are stored: this table alone opens no session.
CREATE TABLE web_logins (
    token_hash TEXT PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at    REAL
);
CREATE INDEX web_logins_member ON web_logins(member_id, created_at);

CREATE TABLE web_sessions (
    id_hash    TEXT PRIMARY KEY,
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    csrf       TEXT NOT NULL,
    lang       TEXT,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    ended_at   REAL
);
CREATE INDEX web_sessions_member ON web_sessions(member_id);

-- Deliveries per platform and minute (minutes since 1970-01-01, UTC), written with
-- the outcomes they count: the dashboard plots them without reading the outbox.
CREATE TABLE delivery_minutes (
    platform     TEXT NOT NULL,
    minute       INTEGER NOT NULL,
    sent         INTEGER NOT NULL DEFAULT 0,
    failed       INTEGER NOT NULL DEFAULT 0,
    retried      INTEGER NOT NULL DEFAULT 0,
    rate_limited INTEGER NOT NULL DEFAULT 0,
    paused       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (platform, minute)
) WITHOUT ROWID;

-- The barometer's look-ups by period.
CREATE INDEX alerts_created ON alerts(created_at);
CREATE INDEX alert_acks_time ON alert_acks(at, member_id);
CREATE INDEX task_events_time ON task_events(at, event, member_id);
CREATE INDEX tasks_finished ON tasks(finished_at, done_by, kind, scope) WHERE status = 'done';
CREATE INDEX clips_alert ON clips(alert_id, finished_at) WHERE alert_id IS NOT NULL;

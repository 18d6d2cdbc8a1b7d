-- Released migrations are never edited: add a new numbered file instead.

CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    display_name  TEXT NOT NULL,
    lang          TEXT,
    joined        INTEGER NOT NULL DEFAULT 0,
    home_platform TEXT,
    created_at    REAL NOT NULL
);

CREATE TABLE identities (
    platform           TEXT NOT NULL,
    user_id            TEXT NOT NULL,
    member_id          INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    display_name       TEXT NOT NULL,
    username           TEXT,
    dm_reachable       INTEGER NOT NULL DEFAULT 0,
    unreachable_reason TEXT,
    PRIMARY KEY (platform, user_id)
);
CREATE INDEX identities_member ON identities(member_id);
CREATE INDEX identities_username ON identities(platform, username COLLATE NOCASE);

-- scope '' means everywhere (SQLite UNIQUE does not dedupe NULLs).
CREATE TABLE grants (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    role      INTEGER NOT NULL,
    scope     TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (member_id, role, scope)
);

CREATE TABLE subscriptions (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    tag       TEXT NOT NULL,
    PRIMARY KEY (member_id, tag)
);

CREATE TABLE rooms (
    id                 INTEGER PRIMARY KEY,
    platform           TEXT NOT NULL,
    chat_id            TEXT NOT NULL,
    title              TEXT NOT NULL DEFAULT '',
    lang               TEXT,
    unreachable_reason TEXT,
    linked_at          REAL NOT NULL,
    UNIQUE (platform, chat_id)
);

CREATE TABLE room_tags (
    room_id INTEGER NOT NULL REFERENCES rooms(id) ON DELETE CASCADE,
    tag     TEXT NOT NULL,
    PRIMARY KEY (room_id, tag)
);

CREATE TABLE tag_aliases (
    alias     TEXT PRIMARY KEY,
    canonical TEXT NOT NULL
);

CREATE TABLE alerts (
    id               INTEGER PRIMARY KEY,
    text             TEXT NOT NULL,
    url              TEXT,
    scope            TEXT NOT NULL DEFAULT '[]',
    author_member_id INTEGER REFERENCES members(id) ON DELETE SET NULL,
    author_name      TEXT NOT NULL,
    origin_platform  TEXT NOT NULL,
    origin_chat_id   TEXT NOT NULL,
    origin_private   INTEGER NOT NULL DEFAULT 0,
    origin_label     TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'cancelled')),
    created_at       REAL NOT NULL,
    cancelled_at     REAL,
    cancelled_by     INTEGER REFERENCES members(id) ON DELETE SET NULL
);

CREATE TABLE alert_acks (
    alert_id    INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    member_name TEXT NOT NULL,
    at          REAL NOT NULL,
    PRIMARY KEY (alert_id, member_id)
);

-- One row per promised delivery. Written in the same transaction as what caused it.
CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,
    platform    TEXT NOT NULL,
    target_kind TEXT NOT NULL CHECK (target_kind IN ('room', 'user')),
    address     TEXT NOT NULL,
    payload     TEXT NOT NULL,
    lang        TEXT,
    priority    INTEGER NOT NULL,
    subject     TEXT,
    edit_of     INTEGER REFERENCES outbox(id) ON DELETE CASCADE,
    status      TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    not_before  REAL NOT NULL,
    lease_until REAL,
    sent_ref    TEXT,
    coalesced   INTEGER NOT NULL DEFAULT 0,
    last_error  TEXT,
    created_at  REAL NOT NULL,
    sent_at     REAL
);
CREATE INDEX outbox_due ON outbox(platform, status, priority, id);
CREATE INDEX outbox_subject ON outbox(subject);

-- What a running engine knows that `riposte status` (another process) wants to show.
CREATE TABLE delivery_state (
    platform     TEXT PRIMARY KEY,
    paused_until REAL,
    updated_at   REAL NOT NULL
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    at        REAL NOT NULL,
    platform  TEXT NOT NULL,
    user_id   TEXT NOT NULL,
    member_id INTEGER,
    chat_id   TEXT NOT NULL,
    command   TEXT NOT NULL,
    outcome   TEXT NOT NULL,
    detail    TEXT NOT NULL DEFAULT ''
);

-- Released migrations are never edited: add a new numbered file instead.

-- Content members submit (C4), waiting for a coordinator, then approved or rejected.
-- origin_* is where it was submitted: the author hears the outcome there. edited_by is
-- whoever last changed an approved text (under four eyes, they do not approve it again).
CREATE TABLE content (
    id               INTEGER PRIMARY KEY,
    text             TEXT NOT NULL,
    url              TEXT,
    clip_id          INTEGER REFERENCES clips(id) ON DELETE SET NULL,
    scope            TEXT NOT NULL DEFAULT '[]',
    author_member_id INTEGER NOT NULL REFERENCES members(id),
    author_name      TEXT NOT NULL,
    status           TEXT NOT NULL DEFAULT 'pending'
                     CHECK (status IN ('pending', 'approved', 'rejected')),
    origin_platform  TEXT NOT NULL,
    origin_chat_id   TEXT NOT NULL,
    origin_private   INTEGER NOT NULL DEFAULT 0,
    created_at       REAL NOT NULL,
    updated_at       REAL,
    edited_by        INTEGER REFERENCES members(id) ON DELETE SET NULL,
    decided_by       INTEGER REFERENCES members(id) ON DELETE SET NULL,
    decided_name     TEXT,
    decided_at       REAL,
    reason           TEXT
);
CREATE INDEX content_status ON content(status, id);
CREATE INDEX content_clip ON content(clip_id) WHERE clip_id IS NOT NULL;

-- A shorter (or different) text for one network: x, mastodon, bluesky, telegram, discord.
CREATE TABLE content_variants (
    content_id INTEGER NOT NULL REFERENCES content(id) ON DELETE CASCADE,
    network    TEXT NOT NULL,
    text       TEXT NOT NULL,
    updated_at REAL NOT NULL,
    PRIMARY KEY (content_id, network)
);

-- A schedule of approved content (P3): where (targets, JSON) and when (rule, JSON).
-- next_at is the next run's time while runs remain; its timer is the truth.
CREATE TABLE pushes (
    id              INTEGER PRIMARY KEY,
    content_id      INTEGER NOT NULL REFERENCES content(id),
    targets         TEXT NOT NULL,
    rule            TEXT NOT NULL,
    first_at        REAL NOT NULL,
    next_at         REAL,
    runs_done       INTEGER NOT NULL DEFAULT 0,
    status          TEXT NOT NULL DEFAULT 'scheduled'
                    CHECK (status IN ('scheduled', 'done', 'cancelled')),
    created_by      INTEGER NOT NULL REFERENCES members(id),
    created_name    TEXT NOT NULL,
    origin_platform TEXT NOT NULL,
    origin_chat_id  TEXT NOT NULL,
    origin_private  INTEGER NOT NULL DEFAULT 0,
    lang            TEXT,
    created_at      REAL NOT NULL,
    cancelled_at    REAL,
    cancelled_name  TEXT
);
CREATE INDEX pushes_content ON pushes(content_id);
CREATE INDEX pushes_status ON pushes(status, id);

-- One firing of a push (a daily push has many). A run whose time passed while the bot
-- was down beyond [push] grace is held until a coordinator says `push P3 now` or `unpush`.
CREATE TABLE push_runs (
    id          INTEGER PRIMARY KEY,
    push_id     INTEGER NOT NULL REFERENCES pushes(id) ON DELETE CASCADE,
    number      INTEGER NOT NULL,
    due_at      REAL NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('fired', 'held', 'dropped')),
    fired_at    REAL,
    late_by     REAL NOT NULL DEFAULT 0,
    reported_at REAL
);
CREATE INDEX push_runs_push ON push_runs(push_id, id);

-- A run's post to one social account. 'sending' is written (and committed) before the
-- network call: a crash during the call leaves it 'sending', reported 'unknown' at the
-- next start, never posted a second time. text is what was checked and is posted.
CREATE TABLE push_targets (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER NOT NULL REFERENCES push_runs(id) ON DELETE CASCADE,
    push_id     INTEGER NOT NULL REFERENCES pushes(id) ON DELETE CASCADE,
    network     TEXT NOT NULL,
    state       TEXT NOT NULL DEFAULT 'queued'
                CHECK (state IN ('queued', 'sending', 'sent', 'failed', 'unknown', 'cancelled')),
    text        TEXT NOT NULL,
    media_path  TEXT,
    url         TEXT,
    reason      TEXT,
    created_at  REAL NOT NULL,
    started_at  REAL,
    finished_at REAL
);
CREATE INDEX push_targets_run ON push_targets(run_id);
CREATE INDEX push_targets_queued ON push_targets(network, id) WHERE state = 'queued';
CREATE INDEX push_targets_network ON push_targets(network, started_at);

-- Members who asked for a share kit with every push (`subscribe share`).
CREATE TABLE share_subscribers (
    member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
    since     REAL NOT NULL
);

-- Who said "I'll share" for a push, and who got a kit for which run (with its task).
CREATE TABLE push_sharers (
    push_id   INTEGER NOT NULL REFERENCES pushes(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    at        REAL NOT NULL,
    PRIMARY KEY (push_id, member_id)
);
CREATE TABLE share_kits (
    run_id    INTEGER NOT NULL REFERENCES push_runs(id) ON DELETE CASCADE,
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    task_id   INTEGER REFERENCES tasks(id) ON DELETE SET NULL,
    sent_at   REAL NOT NULL,
    PRIMARY KEY (run_id, member_id)
);

-- What a social server said about itself (Mastodon's configured maximum length, media
-- sizes), fetched in the background so that commands check lengths without a network call.
CREATE TABLE social_limits (
    network    TEXT PRIMARY KEY,
    max_chars  INTEGER,
    max_video  INTEGER,
    fetched_at REAL NOT NULL
);

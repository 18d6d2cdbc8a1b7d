-- Released migrations are never edited: add a new numbered file instead.

-- Durable timers: every promise to act later (an escalation step, a due time, a
-- scheduled push, a digest) is a row. The scheduler re-arms pending rows at start;
-- a timer is marked fired in the same transaction as its effect, so it fires once.
CREATE TABLE timers (
    id           INTEGER PRIMARY KEY,
    kind         TEXT NOT NULL,
    subject      TEXT NOT NULL,
    due_at       REAL NOT NULL,
    payload      TEXT NOT NULL DEFAULT '{}',
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'fired', 'cancelled', 'failed')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    last_error   TEXT,
    created_at   REAL NOT NULL,
    fired_at     REAL,
    cancelled_at REAL
);
CREATE INDEX timers_pending_due ON timers(due_at) WHERE state = 'pending';
CREATE INDEX timers_pending_subject ON timers(subject, kind) WHERE state = 'pending';
CREATE INDEX timers_finished ON timers(state, id);

-- Work to do for an alert (or for a scope): clip, rebuttal, share, or free text.
-- opened_at is when the task last became free to take: escalation counts from it.
-- clip_id is a clip that completes the task once archived.
CREATE TABLE tasks (
    id              INTEGER PRIMARY KEY,
    kind            TEXT NOT NULL,
    text            TEXT NOT NULL DEFAULT '',
    alert_id        INTEGER REFERENCES alerts(id) ON DELETE CASCADE,
    scope           TEXT NOT NULL DEFAULT '[]',
    status          TEXT NOT NULL DEFAULT 'open'
                    CHECK (status IN ('open', 'claimed', 'done', 'dropped', 'expired')),
    created_by      INTEGER REFERENCES members(id) ON DELETE SET NULL,
    creator_name    TEXT NOT NULL,
    origin_platform TEXT NOT NULL,
    origin_chat_id  TEXT NOT NULL,
    origin_private  INTEGER NOT NULL DEFAULT 0,
    origin_label    TEXT NOT NULL DEFAULT '',
    created_at      REAL NOT NULL,
    opened_at       REAL NOT NULL,
    due_at          REAL,
    claimed_by      INTEGER REFERENCES members(id) ON DELETE SET NULL,
    claimer_name    TEXT,
    claimed_at      REAL,
    claim_platform  TEXT,
    claim_chat_id   TEXT,
    claim_private   INTEGER NOT NULL DEFAULT 0,
    clip_id         INTEGER REFERENCES clips(id) ON DELETE SET NULL,
    result_url      TEXT,
    result_clip_id  INTEGER REFERENCES clips(id) ON DELETE SET NULL,
    result_text     TEXT,
    done_by         INTEGER REFERENCES members(id) ON DELETE SET NULL,
    done_name       TEXT,
    finished_at     REAL
);
CREATE INDEX tasks_alert ON tasks(alert_id);
CREATE INDEX tasks_status ON tasks(status, id);
CREATE INDEX tasks_claimer ON tasks(claimed_by, status);
CREATE INDEX tasks_clip ON tasks(clip_id) WHERE clip_id IS NOT NULL;

-- A task's history, in order: created, claimed, assigned, reminded, confirmed,
-- released, escalated, expired, done, dropped.
CREATE TABLE task_events (
    id          INTEGER PRIMARY KEY,
    task_id     INTEGER NOT NULL REFERENCES tasks(id) ON DELETE CASCADE,
    at          REAL NOT NULL,
    event       TEXT NOT NULL,
    member_id   INTEGER REFERENCES members(id) ON DELETE SET NULL,
    member_name TEXT,
    detail      TEXT NOT NULL DEFAULT ''
);
CREATE INDEX task_events_task ON task_events(task_id, id);
CREATE INDEX task_events_member ON task_events(member_id, event);

-- The room copies of an alert, found without walking its subscribers' private
-- copies (150,000 rows share the subject of a national alert): task changes
-- edit the room copies, many times per alert.
CREATE INDEX outbox_room_copies ON outbox(subject)
    WHERE target_kind = 'room' AND edit_of IS NULL;

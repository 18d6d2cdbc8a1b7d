-- Vetted membership, invitations (the cascade), alert limits and audit look-ups.

-- Where a person stands: unknown, pending, member, refused, removed. `joined`
-- stays the fast "is a member" flag (1 exactly when standing = 'member').
ALTER TABLE members ADD COLUMN standing TEXT NOT NULL DEFAULT 'unknown'
    CHECK (standing IN ('unknown', 'pending', 'member', 'refused', 'removed'));
UPDATE members SET standing = 'member' WHERE joined = 1;
-- Who brought them in (the inviter, or the coordinator who accepted them).
ALTER TABLE members ADD COLUMN sponsor_id INTEGER REFERENCES members(id) ON DELETE SET NULL;
-- The scope they came in through, as a JSON list of tags: its coordinators may remove them.
ALTER TABLE members ADD COLUMN scope TEXT NOT NULL DEFAULT '[]';
ALTER TABLE members ADD COLUMN joined_at REAL;
-- The pending request: when, and where to answer (platform, chat, private or not).
ALTER TABLE members ADD COLUMN requested_at REAL;
ALTER TABLE members ADD COLUMN request_platform TEXT;
ALTER TABLE members ADD COLUMN request_chat_id TEXT;
ALTER TABLE members ADD COLUMN request_private INTEGER NOT NULL DEFAULT 0;
-- 0 when the platform could not vouch for the person (an IRC nick without a services
-- account): such a request is listed, never notified, and cannot be accepted as is.
ALTER TABLE members ADD COLUMN request_verified INTEGER NOT NULL DEFAULT 1;
-- The last decision (accepted, refused, removed): by whom, when, and the reason given.
ALTER TABLE members ADD COLUMN decided_by INTEGER REFERENCES members(id) ON DELETE SET NULL;
ALTER TABLE members ADD COLUMN decided_at REAL;
ALTER TABLE members ADD COLUMN decision_note TEXT;
-- (sponsor_id, joined) covers the walk down the cascade without reading the rows.
CREATE INDEX members_sponsor ON members(sponsor_id, joined);
CREATE INDEX members_pending ON members(standing, requested_at) WHERE standing = 'pending';

-- Single-use invitation codes, stored hashed (sha256 of the code): this table
-- alone admits nobody. Tags become the newcomer's subscriptions.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY,
    code_hash   TEXT NOT NULL UNIQUE,
    inviter_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    tags        TEXT NOT NULL DEFAULT '[]',
    created_at  REAL NOT NULL,
    expires_at  REAL NOT NULL,
    used_by     INTEGER REFERENCES members(id) ON DELETE SET NULL,
    used_at     REAL,
    revoked_at  REAL
);
CREATE INDEX invitations_inviter ON invitations(inviter_id, expires_at);

-- The alert's link as a key for deduplication (scheme/host case, tracking
-- parameters and fragments removed), and look-ups for the per-member limit.
ALTER TABLE alerts ADD COLUMN url_key TEXT;
CREATE INDEX alerts_url_key ON alerts(url_key, created_at) WHERE url_key IS NOT NULL;
CREATE INDEX alerts_author_time ON alerts(author_member_id, created_at);

-- `audit @x` and the count of wrong invitation codes tried by one identity.
CREATE INDEX audit_member ON audit_log(member_id, id);
CREATE INDEX audit_identity ON audit_log(platform, user_id, command, at);

-- Released migrations are never edited: add a new numbered file instead.

-- Where a member's private notifications go: NULL is the platform they joined on
-- first (home_platform), 'all' every linked identity, otherwise one platform.
ALTER TABLE members ADD COLUMN notify TEXT;
-- Their own IANA time zone for quiet hours and digests; NULL: the network's.
ALTER TABLE members ADD COLUMN tz TEXT;
-- Quiet hours as minutes after local midnight (start included, end excluded; the
-- window may wrap past midnight). Both NULL: no quiet hours.
ALTER TABLE members ADD COLUMN quiet_start INTEGER;
ALTER TABLE members ADD COLUMN quiet_end INTEGER;
-- A daily digest at this local minute instead of each alert; NULL: alerts as they come.
ALTER TABLE members ADD COLUMN digest_at INTEGER;
-- Set once the person asked to be forgotten: the row stays, nameless, so that what
-- they did still counts (alerts raised, acks, tasks done, people brought in).
ALTER TABLE members ADD COLUMN forgotten_at REAL;
-- The fan-out lists the distinct quiet windows and digest times: from these alone.
CREATE INDEX members_quiet ON members(quiet_start, quiet_end, tz) WHERE quiet_start IS NOT NULL;
CREATE INDEX members_digest ON members(digest_at, tz) WHERE digest_at IS NOT NULL;

-- Alerts that reached a member during their quiet hours (or while they take a daily
-- digest): released as one digest message, each alert in its state at that time.
CREATE TABLE held_alerts (
    member_id INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    alert_id  INTEGER NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
    held_at   REAL NOT NULL,
    PRIMARY KEY (member_id, alert_id)
) WITHOUT ROWID;
CREATE INDEX held_alerts_alert ON held_alerts(alert_id);

-- Urgent alerts (coordinators) go through quiet hours and digests.
ALTER TABLE alerts ADD COLUMN urgent INTEGER NOT NULL DEFAULT 0;

-- One-time codes a member is given, stored hashed, short-lived and single use:
-- 'link' joins another platform's identity to them, 'forget' confirms erasing
-- them (other_id: the admin who asked, for `forget @x`), 'approve' is an admin's
-- confirmation of a link that involves roles (other_id: the member to merge in).
CREATE TABLE member_codes (
    id         INTEGER PRIMARY KEY,
    code_hash  TEXT NOT NULL UNIQUE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('link', 'forget', 'approve')),
    member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    other_id   INTEGER REFERENCES members(id) ON DELETE CASCADE,
    created_at REAL NOT NULL,
    expires_at REAL NOT NULL,
    used_at    REAL
);
CREATE INDEX member_codes_member ON member_codes(member_id, purpose);
CREATE INDEX member_codes_other ON member_codes(other_id) WHERE other_id IS NOT NULL;

-- The barometer counts from rows (alerts by time, done tasks and clips per alert have
-- their indexes already): acks and finished work by member, first acks, arrivals.
CREATE INDEX alert_acks_member ON alert_acks(member_id, at);
CREATE INDEX alert_acks_first ON alert_acks(alert_id, at);
CREATE INDEX members_joined_at ON members(joined_at) WHERE joined_at IS NOT NULL;
CREATE INDEX members_brought_in ON members(sponsor_id) WHERE joined_at IS NOT NULL;
CREATE INDEX tasks_done_by ON tasks(done_by, finished_at) WHERE done_by IS NOT NULL;
CREATE INDEX tasks_created_by ON tasks(created_by) WHERE created_by IS NOT NULL;
CREATE INDEX clips_requested_by ON clips(requested_by) WHERE requested_by IS NOT NULL;
-- Retention deletes the oldest audit rows first.
CREATE INDEX audit_at ON audit_log(at);

-- Released migrations are never edited: add a new numbered file instead.

-- The archive's disk quota: a clip whose file was removed to free space keeps its
-- row as status 'expired' (title, source, sha256 for provenance), with the time.
ALTER TABLE clips ADD COLUMN expired_at DOUBLE PRECISION;

-- Whose queue a clip occupies: the requester, or whoever retried it last. The
-- per-member queue cap counts these.
ALTER TABLE clips ADD COLUMN queued_by BIGINT REFERENCES members(id) ON DELETE SET NULL;
UPDATE clips SET queued_by = requested_by;
CREATE INDEX clips_queued_by ON clips(queued_by, status);

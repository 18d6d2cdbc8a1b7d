-- The highest update number a platform gave that the bot has handled, per platform
-- (Telegram's update_id), so that an update received again after a stop is skipped.
-- Marks were kept in delivery_state under the key '<platform>:received'; they move here.

CREATE TABLE received_updates (
    platform   TEXT PRIMARY KEY,
    last_id    BIGINT NOT NULL,
    marked_at  DOUBLE PRECISION NOT NULL
);

INSERT INTO received_updates (platform, last_id, marked_at)
SELECT substr(platform, 1, length(platform) - length(':received')), CAST(paused_until AS BIGINT),
       updated_at
FROM delivery_state
WHERE platform LIKE '%:received' AND paused_until IS NOT NULL;

DELETE FROM delivery_state WHERE platform LIKE '%:received';

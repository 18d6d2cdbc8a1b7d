-- Whether a claimed delivery's send may have started, for the copies a cancellation can
-- still stop (an alert's, a push's): 0 claimed only (a cancellation stops it before its
-- send), 1 cleared to go (its send may be under way), 2 cleared, and its alert or push
-- cancelled since (if it comes back to the queue it is skipped, never sent again).
ALTER TABLE outbox ADD COLUMN started INTEGER NOT NULL DEFAULT 0;

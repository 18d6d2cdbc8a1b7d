-- Several processes may share one store (PostgreSQL): what lets them work side by side.

-- A running clip is leased to the archive worker running it, as deliveries are:
-- when that worker dies, another takes the clip back once the lease runs out.
ALTER TABLE clips ADD COLUMN lease_owner TEXT;
ALTER TABLE clips ADD COLUMN lease_until REAL;
CREATE INDEX clips_running ON clips(lease_until) WHERE status = 'running';

-- The processes working on this store, each with its roles (transports, commands,
-- delivery, archive, web), whether it is active or a standby waiting for the
-- platform connections, and a heartbeat (`riposte status`, `riposte health`).
CREATE TABLE processes (
    id           TEXT PRIMARY KEY,
    roles        TEXT NOT NULL,
    state        TEXT NOT NULL CHECK (state IN ('active', 'standby')),
    pid          INTEGER NOT NULL,
    host         TEXT NOT NULL,
    started_at   REAL NOT NULL,
    heartbeat_at REAL NOT NULL
);

-- A platform's overall rate, shared by the processes delivering to it: each uses
-- `share` sends per window. A share given up still counts until `previous_until`,
-- so that no window ever holds more than the platform allows; a process's share
-- counts until its lease plus one window after it stops renewing (a crash).
CREATE TABLE delivery_shares (
    platform       TEXT NOT NULL,
    owner          TEXT NOT NULL,
    share          INTEGER NOT NULL,
    wanted         INTEGER NOT NULL,
    previous       INTEGER NOT NULL DEFAULT 0,
    previous_until REAL NOT NULL DEFAULT 0,
    lease_until    REAL NOT NULL,
    PRIMARY KEY (platform, owner)
);

-- A room is paced by one process at a time (its own limits, e.g. 20 messages a
-- minute in a Telegram group, are counted in that process): its rows go to the
-- process holding it until `until`.
CREATE TABLE delivery_rooms (
    platform TEXT NOT NULL,
    address  TEXT NOT NULL,
    owner    TEXT NOT NULL,
    until    REAL NOT NULL,
    PRIMARY KEY (platform, address)
);

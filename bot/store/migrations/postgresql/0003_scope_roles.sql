-- Released migrations are never edited: add a new numbered file instead.

-- Opt-in roles per scope tag, on platforms that notify subscribers in rooms rather
-- than by direct message (Discord forbids unsolicited mass DMs). The alert posted
-- to a room mentions the role of each matching scope.
CREATE TABLE scope_roles (
    platform TEXT NOT NULL,
    tag      TEXT NOT NULL,
    role_id  TEXT NOT NULL,
    PRIMARY KEY (platform, tag)
);

-- `national` is never a synonym: a row making it one would turn the admins of one tag
-- into admins of the whole network. Such rows could be written before this was refused.
DELETE FROM tag_aliases WHERE alias = 'national' OR canonical = 'national';

-- What an alert's receipt announced, kept for `stats A17`: the members it reached (copies
-- sent privately, subscribers reached by a role mention, and those holding it for a
-- digest), and how many of them got it in a digest. NULL: raised before this was kept.
ALTER TABLE alerts ADD COLUMN reach_members INTEGER;
ALTER TABLE alerts ADD COLUMN reach_digest INTEGER;

-- The barometer's counts per day (days since 1970-01-01, UTC), per member and per scope
-- as stored (a JSON list of tags): alerts raised, acks, tasks claimed (claims and
-- assignments), tasks done, shares (share tasks done), visits of the links credited to
-- them. A year of barometer then reads a few rows per member and day instead of every
-- event. Triggers keep them in the transaction of every write that changes what they
-- count (inserts, merges of members, scope changes, retention's deletes), so they never
-- disagree with the rows; a day's count is the sum of its rows' contributions, and an
-- emptied day stays as zeros. No foreign key to members: a merge moves the events, and
-- their triggers move the counts. Derived data: `copy-db` does not copy these tables,
-- the copied rows rebuild them.
CREATE TABLE activity_member_days (
    day       INTEGER NOT NULL,
    member_id BIGINT NOT NULL,
    alerts    INTEGER NOT NULL DEFAULT 0,
    acks      INTEGER NOT NULL DEFAULT 0,
    claimed   INTEGER NOT NULL DEFAULT 0,
    done      INTEGER NOT NULL DEFAULT 0,
    shares    INTEGER NOT NULL DEFAULT 0,
    visits    INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, member_id)
);

CREATE TABLE activity_scope_days (
    day     INTEGER NOT NULL,
    scope   TEXT NOT NULL,
    alerts  INTEGER NOT NULL DEFAULT 0,
    acks    INTEGER NOT NULL DEFAULT 0,
    claimed INTEGER NOT NULL DEFAULT 0,
    done    INTEGER NOT NULL DEFAULT 0,
    shares  INTEGER NOT NULL DEFAULT 0,
    visits  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (day, scope)
);

-- An alert's first clip task and first rebuttal done, each one look-up in the index
-- (the response times per week); it serves every other look-up of an alert's tasks.
CREATE INDEX tasks_alert_done ON tasks(alert_id, kind, status, finished_at);
DROP INDEX tasks_alert;

-- What is already there.
INSERT INTO activity_member_days (day, member_id, alerts, acks, claimed, done, shares, visits)
SELECT d, m, SUM(a), SUM(k), SUM(c), SUM(n), SUM(s), SUM(v) FROM (
    SELECT CAST(floor(created_at / 86400) AS INTEGER) AS d, author_member_id AS m, 1 AS a, 0 AS k, 0 AS c, 0 AS n,
           0 AS s, 0 AS v FROM alerts
    UNION ALL SELECT CAST(floor(at / 86400) AS INTEGER), member_id, 0, 1, 0, 0, 0, 0 FROM alert_acks
    UNION ALL SELECT CAST(floor(at / 86400) AS INTEGER), member_id, 0, 0, 1, 0, 0, 0 FROM task_events
        WHERE event IN ('claimed', 'assigned')
    UNION ALL SELECT CAST(floor(finished_at / 86400) AS INTEGER), done_by, 0, 0, 0, 1,
        CASE WHEN kind = 'share' THEN 1 ELSE 0 END, 0 FROM tasks
        WHERE status = 'done' AND finished_at IS NOT NULL
    UNION ALL SELECT v.day, l.owner_id, 0, 0, 0, 0, 0, v.visits
        FROM link_visits v JOIN short_links l ON l.id = v.link_id
) x WHERE m IS NOT NULL GROUP BY d, m;

INSERT INTO activity_scope_days (day, scope, alerts, acks, claimed, done, shares, visits)
SELECT d, sc, SUM(a), SUM(k), SUM(c), SUM(n), SUM(s), SUM(v) FROM (
    SELECT CAST(floor(created_at / 86400) AS INTEGER) AS d, scope AS sc, 1 AS a, 0 AS k, 0 AS c, 0 AS n, 0 AS s,
           0 AS v FROM alerts
    UNION ALL SELECT CAST(floor(k.at / 86400) AS INTEGER), a.scope, 0, 1, 0, 0, 0, 0
        FROM alert_acks k JOIN alerts a ON a.id = k.alert_id
    UNION ALL SELECT CAST(floor(e.at / 86400) AS INTEGER), t.scope, 0, 0, 1, 0, 0, 0
        FROM task_events e JOIN tasks t ON t.id = e.task_id
        WHERE e.event IN ('claimed', 'assigned')
    UNION ALL SELECT CAST(floor(finished_at / 86400) AS INTEGER), scope, 0, 0, 0, 1,
        CASE WHEN kind = 'share' THEN 1 ELSE 0 END, 0 FROM tasks
        WHERE status = 'done' AND finished_at IS NOT NULL
    UNION ALL SELECT v.day, l.scope, 0, 0, 0, 0, 0, v.visits
        FROM link_visits v JOIN short_links l ON l.id = v.link_id
) x GROUP BY d, sc;


-- A change of counts: to its member's day (unless NULL) and its scope's day (unless
-- NULL, as when an ack's alert is gone).
CREATE VIEW activity_changes AS
    SELECT m.day, m.member_id, s.scope, m.alerts, m.acks, m.claimed, m.done, m.shares, m.visits
    FROM activity_member_days m, activity_scope_days s WHERE 1 = 0;

-- Each row's contribution is added when it is written and taken back when it is deleted
-- or changed (then the new one is added). Acks count under their alert's scope, claims
-- under their task's, visits under their link's owner and scope: a parent's change moves
-- its children's counts, and a parent's delete takes them back before its cascade
-- deletes the children (whose own triggers then find no parent).

CREATE FUNCTION activity_changes_apply() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO activity_member_days (day, member_id, alerts, acks, claimed, done, shares, visits)
    SELECT NEW.day, NEW.member_id, NEW.alerts, NEW.acks, NEW.claimed, NEW.done, NEW.shares, NEW.visits
    WHERE NEW.member_id IS NOT NULL
    ON CONFLICT (day, member_id) DO UPDATE SET
        alerts = activity_member_days.alerts + excluded.alerts,
        acks = activity_member_days.acks + excluded.acks,
        claimed = activity_member_days.claimed + excluded.claimed,
        done = activity_member_days.done + excluded.done,
        shares = activity_member_days.shares + excluded.shares,
        visits = activity_member_days.visits + excluded.visits;
    INSERT INTO activity_scope_days (day, scope, alerts, acks, claimed, done, shares, visits)
    SELECT NEW.day, NEW.scope, NEW.alerts, NEW.acks, NEW.claimed, NEW.done, NEW.shares, NEW.visits
    WHERE NEW.scope IS NOT NULL
    ON CONFLICT (day, scope) DO UPDATE SET
        alerts = activity_scope_days.alerts + excluded.alerts,
        acks = activity_scope_days.acks + excluded.acks,
        claimed = activity_scope_days.claimed + excluded.claimed,
        done = activity_scope_days.done + excluded.done,
        shares = activity_scope_days.shares + excluded.shares,
        visits = activity_scope_days.visits + excluded.visits;
    RETURN NEW;
END $$;
CREATE TRIGGER activity_changes_apply INSTEAD OF INSERT ON activity_changes
    FOR EACH ROW EXECUTE FUNCTION activity_changes_apply();

CREATE FUNCTION activity_alerts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO activity_changes SELECT CAST(floor(OLD.created_at / 86400) AS INTEGER), OLD.author_member_id, OLD.scope,
        -1, 0, 0, 0, 0, 0;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO activity_changes SELECT CAST(floor(NEW.created_at / 86400) AS INTEGER), NEW.author_member_id, NEW.scope,
        1, 0, 0, 0, 0, 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_alerts AFTER INSERT OR DELETE OR UPDATE OF created_at, author_member_id, scope ON alerts
    FOR EACH ROW EXECUTE FUNCTION activity_alerts();

CREATE FUNCTION activity_alert_acks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO activity_changes SELECT CAST(floor(OLD.at / 86400) AS INTEGER), OLD.member_id, (SELECT scope FROM alerts WHERE id = OLD.alert_id),
        0, -1, 0, 0, 0, 0;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO activity_changes SELECT CAST(floor(NEW.at / 86400) AS INTEGER), NEW.member_id, (SELECT scope FROM alerts WHERE id = NEW.alert_id),
        0, 1, 0, 0, 0, 0;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_alert_acks AFTER INSERT OR DELETE OR UPDATE OF alert_id, member_id, at ON alert_acks
    FOR EACH ROW EXECUTE FUNCTION activity_alert_acks();

CREATE FUNCTION activity_tasks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO activity_changes SELECT CAST(floor(OLD.finished_at / 86400) AS INTEGER), OLD.done_by, OLD.scope,
        0, 0, 0, -1, -(CASE WHEN OLD.kind = 'share' THEN 1 ELSE 0 END), 0
        WHERE OLD.status = 'done' AND OLD.finished_at IS NOT NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO activity_changes SELECT CAST(floor(NEW.finished_at / 86400) AS INTEGER), NEW.done_by, NEW.scope,
        0, 0, 0, 1, CASE WHEN NEW.kind = 'share' THEN 1 ELSE 0 END, 0
        WHERE NEW.status = 'done' AND NEW.finished_at IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_tasks AFTER INSERT OR DELETE OR UPDATE OF status, finished_at, done_by, kind, scope ON tasks
    FOR EACH ROW EXECUTE FUNCTION activity_tasks();

CREATE FUNCTION activity_task_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO activity_changes SELECT CAST(floor(OLD.at / 86400) AS INTEGER), OLD.member_id, (SELECT scope FROM tasks WHERE id = OLD.task_id),
        0, 0, -1, 0, 0, 0
        WHERE OLD.event IN ('claimed', 'assigned');
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO activity_changes SELECT CAST(floor(NEW.at / 86400) AS INTEGER), NEW.member_id, (SELECT scope FROM tasks WHERE id = NEW.task_id),
        0, 0, 1, 0, 0, 0
        WHERE NEW.event IN ('claimed', 'assigned');
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_task_events AFTER INSERT OR DELETE OR UPDATE OF task_id, event, member_id, at ON task_events
    FOR EACH ROW EXECUTE FUNCTION activity_task_events();

CREATE FUNCTION activity_link_visits() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        INSERT INTO activity_changes SELECT OLD.day, owner_id, scope,
        0, 0, 0, 0, 0, -OLD.visits
        FROM short_links WHERE id = OLD.link_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        INSERT INTO activity_changes SELECT NEW.day, owner_id, scope,
        0, 0, 0, 0, 0, NEW.visits
        FROM short_links WHERE id = NEW.link_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_link_visits AFTER INSERT OR DELETE OR UPDATE OF link_id, day, visits ON link_visits
    FOR EACH ROW EXECUTE FUNCTION activity_link_visits();

CREATE FUNCTION activity_alerts_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO activity_changes SELECT CAST(floor(at / 86400) AS INTEGER), NULL, OLD.scope,
        0, -(COUNT(*)), 0, 0, 0, 0
        FROM alert_acks WHERE alert_id = OLD.id GROUP BY 1;
        RETURN OLD;
    END IF;
    IF OLD.scope IS DISTINCT FROM NEW.scope THEN
        INSERT INTO activity_changes SELECT CAST(floor(at / 86400) AS INTEGER), NULL, OLD.scope,
        0, -(COUNT(*)), 0, 0, 0, 0
        FROM alert_acks WHERE alert_id = OLD.id GROUP BY 1;
        INSERT INTO activity_changes SELECT CAST(floor(at / 86400) AS INTEGER), NULL, NEW.scope,
        0, COUNT(*), 0, 0, 0, 0
        FROM alert_acks WHERE alert_id = NEW.id GROUP BY 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_alerts_children_delete BEFORE DELETE ON alerts
    FOR EACH ROW EXECUTE FUNCTION activity_alerts_children();
CREATE TRIGGER activity_alerts_children_update AFTER UPDATE OF scope ON alerts
    FOR EACH ROW EXECUTE FUNCTION activity_alerts_children();

CREATE FUNCTION activity_tasks_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO activity_changes SELECT CAST(floor(at / 86400) AS INTEGER), NULL, OLD.scope,
        0, 0, -(COUNT(*)), 0, 0, 0
        FROM task_events WHERE task_id = OLD.id AND event IN ('claimed', 'assigned') GROUP BY 1;
        RETURN OLD;
    END IF;
    IF OLD.scope IS DISTINCT FROM NEW.scope THEN
        INSERT INTO activity_changes SELECT CAST(floor(at / 86400) AS INTEGER), NULL, OLD.scope,
        0, 0, -(COUNT(*)), 0, 0, 0
        FROM task_events WHERE task_id = OLD.id AND event IN ('claimed', 'assigned') GROUP BY 1;
        INSERT INTO activity_changes SELECT CAST(floor(at / 86400) AS INTEGER), NULL, NEW.scope,
        0, 0, COUNT(*), 0, 0, 0
        FROM task_events WHERE task_id = NEW.id AND event IN ('claimed', 'assigned') GROUP BY 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_tasks_children_delete BEFORE DELETE ON tasks
    FOR EACH ROW EXECUTE FUNCTION activity_tasks_children();
CREATE TRIGGER activity_tasks_children_update AFTER UPDATE OF scope ON tasks
    FOR EACH ROW EXECUTE FUNCTION activity_tasks_children();

CREATE FUNCTION activity_short_links_children() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO activity_changes SELECT day, OLD.owner_id, OLD.scope,
        0, 0, 0, 0, 0, -(SUM(visits))
        FROM link_visits WHERE link_id = OLD.id GROUP BY 1;
        RETURN OLD;
    END IF;
    IF OLD.owner_id IS DISTINCT FROM NEW.owner_id OR OLD.scope IS DISTINCT FROM NEW.scope THEN
        INSERT INTO activity_changes SELECT day, OLD.owner_id, OLD.scope,
        0, 0, 0, 0, 0, -(SUM(visits))
        FROM link_visits WHERE link_id = OLD.id GROUP BY 1;
        INSERT INTO activity_changes SELECT day, NEW.owner_id, NEW.scope,
        0, 0, 0, 0, 0, SUM(visits)
        FROM link_visits WHERE link_id = NEW.id GROUP BY 1;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER activity_short_links_children_delete BEFORE DELETE ON short_links
    FOR EACH ROW EXECUTE FUNCTION activity_short_links_children();
CREATE TRIGGER activity_short_links_children_update AFTER UPDATE OF owner_id, scope ON short_links
    FOR EACH ROW EXECUTE FUNCTION activity_short_links_children();

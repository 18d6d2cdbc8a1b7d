"""One unit of work: the repositories, all on the same open transaction."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.store.alerts import AlertRepository
from bot.store.audit import AuditRepository
from bot.store.clip_files import ClipFileRepository
from bot.store.clips import ClipRepository
from bot.store.connection import Connection
from bot.store.content import ContentRepository
from bot.store.dashboard import DashboardQueries, FirstsFeed
from bot.store.delivery_minutes import DeliveryMinuteRepository
from bot.store.digests import DigestRepository
from bot.store.fanout import FanoutRepository
from bot.store.identities import IdentityRepository
from bot.store.instance import RunningInstanceRepository
from bot.store.invitations import InvitationRepository
from bot.store.links import LinkRepository
from bot.store.members import MemberRepository
from bot.store.outbox import OutboxRepository
from bot.store.privacy import PrivacyRepository
from bot.store.processes import ProcessRepository
from bot.store.pushes import PushRepository
from bot.store.received import ReceivedRepository
from bot.store.rooms import RoomRepository
from bot.store.scope_roles import ScopeRoleRepository
from bot.store.stats import StatsRepository
from bot.store.tags import TagRepository
from bot.store.tasks import TaskRepository
from bot.store.timers import TimerRepository
from bot.store.web_sessions import WebSessionRepository


class Tx:
    def __init__(self, conn: Connection, config_admins: frozenset[str]) -> None:
        self._conn = conn
        self.dialect = conn.dialect
        self.members = MemberRepository(conn, config_admins)
        self.rooms = RoomRepository(conn)
        self.tags = TagRepository(conn)
        self.alerts = AlertRepository(conn)
        self.outbox = OutboxRepository(conn)
        self.fanout = FanoutRepository(conn, self.outbox)
        self.audit = AuditRepository(conn)
        self.scope_roles = ScopeRoleRepository(conn)
        self.clips = ClipRepository(conn)
        self.tasks = TaskRepository(conn)
        self.timers = TimerRepository(conn)
        self.running = RunningInstanceRepository(conn)
        self.invitations = InvitationRepository(conn)
        self.identities = IdentityRepository(conn)
        self.digests = DigestRepository(conn, self.outbox)
        self.privacy = PrivacyRepository(conn)
        self.stats = StatsRepository(conn)
        self.links = LinkRepository(conn)
        self.clip_files = ClipFileRepository(conn)
        self.web_sessions = WebSessionRepository(conn)
        self.delivery_minutes = DeliveryMinuteRepository(conn)
        self.dashboard = DashboardQueries(conn)
        self.firsts = FirstsFeed(conn)
        self.content = ContentRepository(conn)
        self.pushes = PushRepository(conn)
        self.received = ReceivedRepository(conn)
        self.processes = ProcessRepository(conn)

    @asynccontextmanager
    async def savepoint(self) -> AsyncIterator[None]:
        """Undo only what happens inside, keeping the rest of the transaction."""
        await self._conn.execute("SAVEPOINT unit")
        try:
            yield
        except BaseException:
            await self._conn.execute("ROLLBACK TO unit")
            await self._conn.execute("RELEASE unit")
            raise
        else:
            await self._conn.execute("RELEASE unit")

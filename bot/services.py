"""What listeners and jobs need, built once per process and handed to them explicitly."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy import Engine

from bot.admins import USERS_CACHE_SECONDS
from bot.after_ack import AfterAck, ListenerPool
from bot.cache import TeamCache
from bot.commands import SubcommandTable
from bot.config import Settings
from bot.db import SessionFactory, make_engine, make_session_factory
from bot.models import utcnow
from bot.workspaces import llm_choice, take_llm_call

if TYPE_CHECKING:  # imported when first used: the offline advisor never loads openai
    from bot.llm import LLMClient

# Long enough that a burst of requests from one workspace costs one read, short enough that a
# purge or a language change made by another process is seen within a few seconds.
TEAMS_CACHE_SECONDS = 5.0
# LLM clients kept at once (one per allowed model in use).
LLM_CLIENTS = 8


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    clock: Callable[[], datetime] = field(default=utcnow)
    subcommands: SubcommandTable = field(default_factory=SubcommandTable)
    users: TeamCache[dict[str, Any]] = field(default_factory=lambda: TeamCache(USERS_CACHE_SECONDS))
    # Per workspace: its language, read with the check that its rows exist (middleware), and
    # its LLM switch and model (the advisor).
    teams: TeamCache[Any] = field(default_factory=lambda: TeamCache(TEAMS_CACHE_SECONDS))
    installation_store: InstallationStore | None = None
    # The one place listeners put work that must wait for the ack (the LLM's answers).
    after_ack: AfterAck = field(default_factory=AfterAck)
    # Bolt's listener threads, each workspace holding a bounded share (handlers.middleware).
    listeners: ListenerPool = field(default_factory=ListenerPool)
    _llm_clients: OrderedDict[tuple, Any] = field(
        default_factory=OrderedDict, init=False, repr=False
    )
    _llm_lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> Services:
        engine = engine or make_engine(settings.DATABASE_URL)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine))

    def forget_team(self, team_id: str) -> None:
        """Drop what this process cached of a workspace (after its settings or data changed)."""
        self.users.forget_team(team_id)
        self.teams.forget_team(team_id)

    def llm(self, model: str | None = None) -> LLMClient | None:
        """The LLM client when the operator configured a key, else None (offline advice).

        One client per model, kept: building an OpenAI client per call made each ``ask`` pay
        for a new connection pool and TLS context, which cost the ack path 7.4x its time and
        the web worker hundreds of MB (bench/bench_ack.py). Only models the operator allows
        (``OPENAI_ALLOWED_MODELS``) are used, a team's other choice (saved before the list
        changed) falling back to the default, and at most ``LLM_CLIENTS`` clients are kept,
        the least recently used dropped: one per model name an admin typed once cost 0.8 MB.
        """
        if not self.settings.llm_configured:
            return None
        from bot.llm import client_from_settings

        settings = self.settings
        if model not in settings.allowed_models:
            model = settings.OPENAI_MODEL
        key = (model, settings.OPENAI_BASE_URL, settings.OPENAI_API_KEY, settings.OPENAI_TIMEOUT)
        with self._llm_lock:
            client = self._llm_clients.get(key)
            if client is None:
                client = self._llm_clients[key] = client_from_settings(settings, model)
                while len(self._llm_clients) > LLM_CLIENTS:
                    self._llm_clients.popitem(last=False)
            else:
                self._llm_clients.move_to_end(key)
        return client

    def team_llm(self, team_id: str) -> LLMClient | None:
        """The LLM writer when the operator set a key *and* the team left it on, else None.

        Without a key nothing is read: the offline advisor needs no settings. The team's switch
        and model are cached with its language (``teams``), so an ``ask`` acks as fast with an
        LLM as without.
        """
        if not self.settings.llm_configured:
            return None
        enabled, model = self.teams.get(
            team_id, "llm", lambda _: llm_choice(self.sessions, team_id)
        )
        return self.metered_llm(team_id, model) if enabled else None

    def metered_llm(self, team_id: str, model: str | None = None) -> LLMClient | None:
        """The LLM for one workspace's work: each call counted against the workspace's
        ``LLM_DAILY_CALLS_PER_TEAM`` for the UTC day (past it: ``bot.llm.QuotaReached``).

        Each call is counted when it is made, in the post-ack job, never here: counting the
        first one in the listener put a write to the workspace's hot ``llm_usage`` row in
        front of every ``ask``'s ack (bench/bench_ack.py, py-spy: p50 twice the offline one).
        """
        client = self.llm(model)
        if client is None:
            return None
        limit = self.settings.LLM_DAILY_CALLS_PER_TEAM

        def meter() -> bool:
            day = self.clock().astimezone(UTC).date()
            return take_llm_call(self.sessions, team_id, day, limit)

        return client.metered(meter)

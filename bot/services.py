"""What listeners and jobs need, built once per process and handed to them explicitly."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from slack_sdk.oauth.installation_store import InstallationStore
from sqlalchemy import Engine

from bot.admins import UserInfoCache
from bot.commands import SubcommandTable
from bot.config import Settings
from bot.db import SessionFactory, make_engine, make_session_factory
from bot.models import utcnow


@dataclass
class Services:
    settings: Settings
    engine: Engine
    sessions: SessionFactory
    clock: Callable[[], datetime] = field(default=utcnow)
    subcommands: SubcommandTable = field(default_factory=SubcommandTable)
    users: UserInfoCache = field(default_factory=UserInfoCache)
    installation_store: InstallationStore | None = None

    @classmethod
    def from_settings(cls, settings: Settings, engine: Engine | None = None) -> Services:
        engine = engine or make_engine(settings.DATABASE_URL)
        return cls(settings=settings, engine=engine, sessions=make_session_factory(engine))

    def llm(self, model: str | None = None):  # noqa: ANN201 - bot.llm.LLMClient | None
        """The LLM client when the operator configured a key, else None (offline advice)."""
        if not self.settings.llm_configured:
            return None
        from bot.llm import LLMClient

        return LLMClient(
            api_key=self.settings.OPENAI_API_KEY,
            base_url=self.settings.OPENAI_BASE_URL,
            model=model or self.settings.OPENAI_MODEL,
            timeout=self.settings.OPENAI_TIMEOUT,
        )

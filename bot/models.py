"""The schema. Every table holding a team's data has ``team_id``; migrations are made from this."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    func,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC on the way in and out, also on SQLite (which drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


TeamId = String(32)
UserId = String(32)


class Workspace(Base):
    __tablename__ = "workspaces"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    name: Mapped[str | None] = mapped_column(String(200))
    enterprise_id: Mapped[str | None] = mapped_column(String(32))
    installer_user_id: Mapped[str | None] = mapped_column(UserId)
    installer_tz: Mapped[str | None] = mapped_column(String(64))
    bot_user_id: Mapped[str | None] = mapped_column(UserId)
    installed_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    uninstalled_at: Mapped[datetime | None]

    settings: Mapped[TeamSettings | None] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", passive_deletes=True
    )


class TeamSettings(Base):
    """What admins set in the settings modal; defaults are the product's defaults."""

    __tablename__ = "team_settings"

    team_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    language: Mapped[str] = mapped_column(String(5), default="en", server_default="en")
    # Views and ephemeral replies in each person's own Slack locale (off: the team's language).
    personal_language: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    digest_channel_id: Mapped[str | None] = mapped_column(String(32))
    # "daily" or comma-separated weekdays ("mon,thu").
    digest_days: Mapped[str] = mapped_column(String(32), default="mon", server_default="mon")
    digest_time: Mapped[str] = mapped_column(String(5), default="09:00", server_default="09:00")
    timezone: Mapped[str | None] = mapped_column(String(64))
    digest_items: Mapped[int] = mapped_column(Integer, default=8, server_default="8")
    llm_enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    llm_model: Mapped[str | None] = mapped_column(String(100))
    result_visibility: Mapped[str] = mapped_column(
        String(16), default="ephemeral", server_default="ephemeral"
    )
    review_period_days: Mapped[int] = mapped_column(Integer, default=90, server_default="90")
    # Guests (single- and multi-channel) read the decision log only when an admin allows it.
    guests_read_decisions: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )

    workspace: Mapped[Workspace] = relationship(back_populates="settings")


class TeamAdmin(Base):
    """People an admin added to the app's admin list (Slack admins and the installer need none)."""

    __tablename__ = "team_admins"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    added_by: Mapped[str | None] = mapped_column(UserId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class DigestRecipient(Base):
    """Who gets the digest by DM: managers chosen by admins, and people who subscribed."""

    __tablename__ = "digest_recipients"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    role: Mapped[str] = mapped_column(String(16), primary_key=True)  # manager | subscriber
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class AuditEntry(Base):
    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_team_created", "team_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    user_id: Mapped[str] = mapped_column(UserId)
    action: Mapped[str] = mapped_column(String(64))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class AssessmentRow(Base):
    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_team_created", "team_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str | None] = mapped_column(String(32))
    user_id: Mapped[str] = mapped_column(UserId)
    title: Mapped[str] = mapped_column(String(200))
    answers: Mapped[dict[str, Any]]
    result: Mapped[dict[str, Any]]
    verdict: Mapped[str] = mapped_column(String(16))
    engine_version: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class TeamRound(Base):
    """A team assessment: invited people answer privately until the deadline or the close.

    ``status`` is ``open`` until a close claims it (``closed``); the halfway reminder is claimed
    by setting ``reminded_at``. Both claims are conditional UPDATEs, so two workers or a worker
    back from downtime never send twice.
    """

    __tablename__ = "team_rounds"
    __table_args__ = (
        Index("ix_team_rounds_team_created", "team_id", "created_at"),
        Index("ix_team_rounds_status_deadline", "status", "deadline_at"),
        Index("ix_team_rounds_result_retry", "result_state", "result_retry_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    channel_id: Mapped[str] = mapped_column(String(32))
    starter_id: Mapped[str] = mapped_column(UserId)
    title: Mapped[str] = mapped_column(String(200))
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True)
    lang: Mapped[str] = mapped_column(String(5), default="en")
    status: Mapped[str] = mapped_column(String(16), default="open")
    deadline_at: Mapped[datetime]
    remind_at: Mapped[datetime]
    reminded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str | None] = mapped_column(UserId)  # None: the deadline closed it
    status_channel: Mapped[str | None] = mapped_column(String(32))  # the starter's status message
    status_ts: Mapped[str | None] = mapped_column(String(32))
    result_ts: Mapped[str | None] = mapped_column(String(32))
    # Posting the result: ``posting`` (claimed until ``result_retry_at``), ``retry`` (Slack
    # refused; tried again at ``result_retry_at``), ``verify`` (answer lost: the channel is read
    # before another try), ``posted``; ``failed`` / ``maybe_sent`` once attempts are used up.
    # None: not closed yet.
    result_state: Mapped[str | None] = mapped_column(String(16))
    result_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    result_error: Mapped[str | None] = mapped_column(String(64))
    result_retry_at: Mapped[datetime | None]
    result_link: Mapped[str | None] = mapped_column(String(500))  # the result's permalink
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())

    members: Mapped[list[TeamRoundMember]] = relationship(
        back_populates="round",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="TeamRoundMember.position",
    )


class TeamRoundMember(Base):
    """One invited person; ``answers`` stays empty until they answer, and private until close."""

    __tablename__ = "team_round_members"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("team_rounds.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(UserId, primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    position: Mapped[int] = mapped_column(Integer)  # invitation order, so results are stable
    answers: Mapped[dict[str, Any] | None]
    answered_at: Mapped[datetime | None]
    invited_at: Mapped[datetime] = mapped_column(default=utcnow)

    round: Mapped[TeamRound] = relationship(back_populates="members")


class Decision(Base):
    __tablename__ = "decisions"
    __table_args__ = (
        Index("ix_decisions_team_created", "team_id", "created_at", "id"),
        Index("ix_decisions_review", "review_date", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    title: Mapped[str] = mapped_column(String(150))
    verdict: Mapped[str] = mapped_column(String(16))
    rationale: Mapped[str] = mapped_column(Text, default="")
    alternatives: Mapped[str] = mapped_column(Text, default="")
    owner_id: Mapped[str] = mapped_column(UserId)
    participants: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="decided")
    review_date: Mapped[date | None] = mapped_column(Date)
    assessment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assessments.id", ondelete="SET NULL")
    )
    superseded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("decisions.id", ondelete="SET NULL")
    )
    created_by: Mapped[str] = mapped_column(UserId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        default=utcnow, onupdate=utcnow, server_default=func.now()
    )
    # The Slack message it was logged from (its permalink), shown wherever the decision is.
    link: Mapped[str | None] = mapped_column(String(500))
    # The thread its changes are told in: the source message's thread, or its first confirmation.
    thread_channel: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))


class DecisionEvent(Base):
    """A decision's history: who changed what, when."""

    __tablename__ = "decision_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    decision_id: Mapped[int] = mapped_column(
        ForeignKey("decisions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[str] = mapped_column(UserId)
    action: Mapped[str] = mapped_column(String(32))
    changes: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class ReviewReminder(Base):
    """One row per decision and review date: claimed before the DM, so it is sent once."""

    __tablename__ = "review_reminders"
    __table_args__ = (UniqueConstraint("decision_id", "review_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id", ondelete="CASCADE"))
    review_date: Mapped[date] = mapped_column(Date)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))


class Feed(Base):
    """A news feed, shared by every team that uses it, fetched once per run."""

    __tablename__ = "feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000), unique=True)
    title: Mapped[str | None] = mapped_column(String(300))
    etag: Mapped[str | None] = mapped_column(String(500))
    last_modified: Mapped[str | None] = mapped_column(String(100))
    last_fetched_at: Mapped[datetime | None]
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    error_count: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_fetch_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class TeamFeed(Base):
    __tablename__ = "team_feeds"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    added_by: Mapped[str | None] = mapped_column(UserId)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class NewsItem(Base):
    """One story, however many outlets carried it (see NewsItemSource)."""

    __tablename__ = "news_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # hash of the canonical URL
    canonical_url: Mapped[str] = mapped_column(String(2000))
    guid: Mapped[str | None] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500))
    summary: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(index=True)
    topic: Mapped[str] = mapped_column(String(32), default="other")
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow, server_default=func.now())


class NewsItemSource(Base):
    __tablename__ = "news_item_sources"

    item_id: Mapped[int] = mapped_column(
        ForeignKey("news_items.id", ondelete="CASCADE"), primary_key=True
    )
    feed_id: Mapped[int] = mapped_column(
        ForeignKey("feeds.id", ondelete="CASCADE"), primary_key=True
    )
    source_name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(2000))


class DigestDelivery(Base):
    """A delivery is claimed here before it is sent: unique per team, period and recipient."""

    __tablename__ = "digest_deliveries"
    __table_args__ = (UniqueConstraint("team_id", "period", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(TeamId)
    period: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(64))  # channel:C… or user:U…
    status: Mapped[str] = mapped_column(String(16), default="claimed")
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
    error: Mapped[str | None] = mapped_column(String(200))
    item_ids: Mapped[list[Any]] = mapped_column(default=list)


class DigestSentItem(Base):
    """Items a team has already been sent, so a digest never repeats a story."""

    __tablename__ = "digest_sent_items"

    team_id: Mapped[str] = mapped_column(TeamId, primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("news_items.id", ondelete="CASCADE"), primary_key=True
    )
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class LlmUsage(Base):
    """LLM calls a workspace made on a UTC day, counted before each call
    (``bot.workspaces.take_llm_call``) against ``LLM_DAILY_CALLS_PER_TEAM``."""

    __tablename__ = "llm_usage"

    team_id: Mapped[str] = mapped_column(
        ForeignKey("workspaces.team_id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    calls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ProcessedEvent(Base):
    """Event ids already handled, so Slack's retries are processed once."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    team_id: Mapped[str | None] = mapped_column(TeamId)
    received_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    done_at: Mapped[datetime | None]  # None: being handled, or its handler died (bot.events)


# slack_sdk's own installation and OAuth state tables, made by our migrations.
INSTALLATIONS_TABLE = SQLAlchemyInstallationStore.build_installations_table(
    Base.metadata, "slack_installations"
)
BOTS_TABLE = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, "slack_bots")
# Tokens are stored sealed (bot/tokens.py): longer than slack_sdk's String(200) allows.
for _table in (INSTALLATIONS_TABLE, BOTS_TABLE):
    for _column in _table.c:
        if _column.name.endswith(("_token", "_refresh_token")):
            _column.type = Text()
OAUTH_STATES_TABLE = SQLAlchemyOAuthStateStore.build_oauth_states_table(
    Base.metadata, "slack_oauth_states"
)


def team_tables() -> list[str]:
    """Every table with a ``team_id`` column: what a purge must empty for a team."""
    return [t.name for t in Base.metadata.sorted_tables if "team_id" in t.c]

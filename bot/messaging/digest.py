"""One delivery run, team by team: who is due, claim, compose, send, settle.

``bot.jobs.digest.deliver_digests`` builds one ``DeliveryRun`` per pass and hands it the
teams that have something due; each team runs in one thread, recipient after recipient, so a
recipient's claim is committed just before its message goes and its outcome just after,
before the next recipient's claim. Those commits are shared with the other teams' threads
(``bot.digest.batch``): under load, one transaction settles many deliveries.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from slack_sdk import WebClient

from bot.db import session_scope
from bot.digest import delivery
from bot.digest.batch import Batched
from bot.digest.compose import History, compose_team, histories
from bot.digest.pool import NewsPool
from bot.digest.schedule import (
    GRACE,
    Occurrence,
    latest_occurrence,
    latest_possible_moment,
    newest_period,
    zone,
)
from bot.digest.teams import INSTALLER, MANAGER, SUBSCRIBER, Reader, TeamPlan
from bot.i18n import t
from bot.llm import LLMError
from bot.messaging.client import team_client
from bot.messaging.post import ChannelPacer, already_posted, post, user_zone
from bot.news.compose import Digest
from bot.news.why import parse_why_batch, why_batch_prompt
from bot.services import Services
from bot.views.digest import channel_footer, digest_blocks, digest_text, header_block_id
from bot.vocabulary import DeliveryState

log = logging.getLogger(__name__)

CHANNEL_FOOTER = "digest.message.footer_channel"
FOOTERS = {
    MANAGER: "digest.message.footer_manager",
    SUBSCRIBER: "digest.message.footer_subscriber",
    INSTALLER: "digest.message.footer_installer",
}


@dataclass
class TeamOutcome:
    """What one team's part of a run did, and how long it took."""

    team_id: str
    sent: int = 0
    failed: int = 0
    retry: int = 0
    missed: int = 0
    maybe_sent: int = 0
    seconds: float = 0.0

    def add(self, status: str) -> None:
        """Count one delivery by the status it was left in (``sent``, ``retry``...)."""
        setattr(self, status, getattr(self, status) + 1)


@dataclass
class DeliveryReport:
    """What a run did, per team (only the teams that had something due)."""

    teams: list[TeamOutcome] = field(default_factory=list)
    seconds: float = 0.0

    def total(self, what: str) -> int:
        return sum(getattr(team, what) for team in self.teams)

    @property
    def slowest(self) -> float:
        return max((team.seconds for team in self.teams), default=0.0)


@dataclass(frozen=True)
class _Target:
    """One recipient of one team, with the occurrence due for them now."""

    recipient: str  # channel:C… or user:U…
    channel: str  # where to post: the channel, or the user id (Slack opens the DM)
    occurrence: Occurrence | None
    since: datetime
    footer: str | None = None
    left: bool = False  # the person was deactivated


Settled = dict[tuple[str, str], str]  # (period, recipient) -> status


class DeliveryRun:
    """One delivery run: the clock reading, who this worker is, the news (loaded and ranked
    on first need: most runs find nothing due and never load it), and the database work of
    all its teams, batched (``bot.digest.batch``)."""

    def __init__(self, services: Services, now: datetime) -> None:
        self.services = services
        self.now = now
        self.worker = delivery.new_worker_id()
        self._pool: NewsPool | None = None
        self._pool_lock = threading.Lock()
        sessions = services.sessions
        self.claims: Batched[delivery.Wanted, delivery.Claim | None] = Batched(
            sessions,
            lambda session, wanted: delivery.claim_all(session, wanted, now, self.worker),
            write=True,
        )
        self.settles: Batched[delivery.Outcome, str] = Batched(
            sessions, delivery.settle_all, write=True
        )
        self.histories: Batched[tuple[str, str], History] = Batched(
            sessions, lambda session, wanted: histories(session, wanted, now)
        )

    def close(self) -> None:
        """Give back the batches' database connections (the run is over)."""
        for batched in (self.claims, self.settles, self.histories):
            batched.close()

    @property
    def pool(self) -> NewsPool:
        with self._pool_lock:
            if self._pool is None:
                with session_scope(self.services.sessions) as session:
                    self._pool = NewsPool.load(session, self.now)
            return self._pool

    def _reader_done(self, plan: TeamPlan, reader: Reader, settled: Settled) -> bool:
        """True when nothing can be due for this reader now, whatever their time zone.

        Their latest occurrence is one of the possible periods. Once the newest is settled
        for them, so is theirs (a period is only ever settled while it is the latest); and an
        occurrence past the grace window that came before they joined has nothing to record.
        """
        newest = newest_period(plan.schedule, self.now)
        if newest is None:
            return True
        if settled.get((newest, delivery.user_recipient(reader.user_id))) in delivery.SETTLED:
            return True
        last = latest_possible_moment(newest, plan.schedule.at)
        return last < reader.since and self.now - last > GRACE

    def _channel_done(self, plan: TeamPlan, settled: Settled) -> bool:
        occurrence = latest_occurrence(plan.schedule, self.now, zone(plan.tz))
        if not plan.channel_id or occurrence is None:
            return True
        if (
            settled.get((occurrence.period, delivery.channel_recipient(plan.channel_id)))
            in delivery.SETTLED
        ):
            return True
        return occurrence.at < plan.since and occurrence.overdue(self.now, GRACE)

    def pending(self, plan: TeamPlan, settled: Settled) -> bool:
        """Whether the team has anything to send or record in this run."""
        return not self._channel_done(plan, settled) or not all(
            self._reader_done(plan, reader, settled) for reader in plan.readers
        )

    def team(self, plan: TeamPlan, settled: Settled) -> TeamOutcome:
        started = time.monotonic()
        outcome = TeamOutcome(plan.team_id)
        try:
            self._deliver(plan, settled, outcome)
        except Exception:  # isolation boundary: one team's failure must not stop the others
            log.exception("digest delivery failed for team %s", plan.team_id)
        outcome.seconds = time.monotonic() - started
        return outcome

    def _targets(
        self, plan: TeamPlan, settled: Settled, client: Callable[[], WebClient | None]
    ) -> list[_Target]:
        team_tz = zone(plan.tz)
        targets = []
        if not self._channel_done(plan, settled):
            targets.append(
                _Target(
                    delivery.channel_recipient(plan.channel_id or ""),
                    plan.channel_id or "",
                    latest_occurrence(plan.schedule, self.now, team_tz),
                    plan.since,
                    CHANNEL_FOOTER,
                )
            )
        for reader in plan.readers:
            if self._reader_done(plan, reader, settled):
                continue  # no need to ask Slack for their time zone
            slack = client()
            tz_name, left = (
                user_zone(self.services, slack, plan.team_id, reader.user_id)
                if slack is not None
                else (None, False)
            )
            occurrence = latest_occurrence(
                plan.schedule, self.now, zone(tz_name) if tz_name else team_tz
            )
            targets.append(
                _Target(
                    delivery.user_recipient(reader.user_id),
                    reader.user_id,
                    occurrence,
                    reader.since,
                    FOOTERS.get(reader.role),
                    left,
                )
            )
        return targets

    def _items(self, digest: Digest) -> tuple[int, ...]:
        """The stored items a sent digest carried, to record as sent to the team."""
        return tuple(i for item in digest.items for i in self.pool.item_ids(item))

    def _deliver(self, plan: TeamPlan, settled: Settled, outcome: TeamOutcome) -> None:
        client = functools.cache(
            lambda: team_client(self.services, plan.team_id, plan.enterprise_id)
        )
        pacer = ChannelPacer()
        digests: dict[str, Digest] = {}
        recorded: set[str] = set()  # periods whose stories a settlement recorded as sent

        def settle(won: delivery.Claim, error: str | None, period: str) -> str:
            items = () if error is not None else self._items(digests[period])
            status = self.settles(
                delivery.Outcome(won, error, items, self.now, new_stories=period not in recorded)
            )
            if status == DeliveryState.SENT:
                recorded.add(period)
            return status

        @functools.cache
        def message(period: str, footer: str | None) -> tuple[str, list[dict[str, Any]]]:
            # Serialised once per team, period and kind of recipient (three managers: once).
            digest = digests[period]
            text = t(footer, plan.lang) if footer else None
            if text and footer == CHANNEL_FOOTER:  # the channel's copy: discussed in its thread
                text = channel_footer(text, plan.lang)
            blocks = digest_blocks(digest, plan.lang, period, footer=text)
            return digest_text(digest, plan.lang, period), [b.to_dict() for b in blocks]

        for target in self._targets(plan, settled, client):
            occurrence = target.occurrence
            if (
                occurrence is None
                or settled.get((occurrence.period, target.recipient)) in delivery.SETTLED
            ):
                continue
            if occurrence.overdue(self.now, GRACE):
                if occurrence.at >= target.since:
                    with session_scope(self.services.sessions, write=True) as session:
                        outcome.missed += delivery.record_missed(
                            session, plan.team_id, occurrence.period, target.recipient, self.now
                        )
                continue
            if self.pool.empty:
                continue  # nothing stored yet: a later run catches up within the grace window
            slack = client()
            if slack is None:
                log.warning("no bot token for team %s; its digest waits", plan.team_id)
                continue
            won = self.claims(delivery.Wanted(plan.team_id, occurrence.period, target.recipient))
            if won is None:
                continue
            if target.left:
                outcome.add(self.settles(delivery.Outcome(won, "account_inactive")))
                continue
            if occurrence.period not in digests:
                digest = compose_team(
                    self.pool, plan, self.histories((plan.team_id, occurrence.period))
                )
                digests[occurrence.period] = with_llm_why(self.services, digest, plan)
            text, blocks = message(occurrence.period, target.footer)
            if won.orphaned_since is not None:
                # Its worker died holding it, perhaps after Slack took the message: look first.
                there = already_posted(
                    slack,
                    target.channel,
                    target.recipient.startswith(delivery.user_recipient("")),
                    header_block_id(occurrence.period),
                    won.orphaned_since,
                )
                if there is True:  # it went: recorded as sent, with its stories
                    outcome.add(settle(won, None, occurrence.period))
                    continue
                if there is None:  # unknown: maybe sent, never a second copy
                    outcome.add(self.settles(delivery.Outcome(won, "no_answer")))
                    continue
            error = post(slack, pacer, target.channel, text, blocks)
            outcome.add(settle(won, error, occurrence.period))


def with_llm_why(services: Services, digest: Digest, plan: TeamPlan) -> Digest:
    """Every sentence from one batched LLM call, or the digest unchanged on any failure."""
    if not (digest.items and plan.llm_enabled and services.settings.llm_configured):
        return digest
    llm = services.metered_llm(plan.team_id, plan.llm_model)
    if llm is None:
        return digest
    system, user = why_batch_prompt(digest.items, plan.lang)
    try:
        answer = llm.complete(system, user)
    except LLMError:  # already logged by the client; the rules' sentences stand
        return digest
    sentences = parse_why_batch(answer, len(digest.items))
    if sentences is None:
        log.warning("LLM why-it-matters answer unusable for team %s; rules used", plan.team_id)
        return digest
    items = tuple(replace(item, why=why) for item, why in zip(digest.items, sentences, strict=True))
    return replace(digest, items=items)

"""The Home tab: the team's latest decisions, reviews coming up, the digest schedule, buttons.

The overview holds a bounded number of decisions, so the view stays far below Block Kit's
100 blocks whatever the size of the log (about 25 at most).
"""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.decisions.overview import DigestSchedule, HomeOverview
from bot.i18n import t
from bot.text import escape
from bot.views import ids
from bot.views.decisions import summary_line
from bot.views.team import when
from bot.vocabulary import WEEKDAYS


def home_view(lang: str, overview: HomeOverview | None = None) -> View:
    blocks: list[Block] = [
        HeaderBlock(text=t("home.title", lang)),
        SectionBlock(text=MarkdownTextObject(text=t("home.intro", lang))),
        ActionsBlock(
            block_id="home-start",
            elements=[
                ButtonElement(
                    action_id=ids.ASSESSMENT_START,
                    style="primary",
                    text=t("home.start_assessment", lang),
                ),
                ButtonElement(action_id=ids.DECISION_LOG, text=t("home.log_decision", lang)),
            ],
        ),
    ]
    if overview is not None:
        blocks += _rounds(overview, lang)
        if overview.decisions_hidden:
            text = MarkdownTextObject(text=t("home.guests_hidden", lang))
            blocks += [DividerBlock(), SectionBlock(text=text)]
        else:
            blocks += _latest(overview, lang) + _upcoming(overview, lang)
        blocks += [
            DividerBlock(),
            HeaderBlock(text=t("home.digest_heading", lang)),
            SectionBlock(text=MarkdownTextObject(text=digest_text(overview.digest, lang))),
        ]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t("home.commands", lang))]))
    return View(type="home", blocks=blocks)


def _rounds(overview: HomeOverview, lang: str) -> list[Block]:
    """The viewer's open team assessments (who answered is a count; answers never show), with
    an Answer button on each one that still waits for them."""
    if not overview.rounds:
        return []
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text=t("home.rounds_heading", lang))]
    for r in overview.rounds:
        line = t(
            "home.round_line",
            lang,
            title=escape(r.title),
            answered=r.answered,
            invited=r.invited,
            deadline=when(r.deadline_at),
        )
        accessory = (
            ButtonElement(
                action_id=ids.TEAM_ANSWER, value=str(r.id), text=t("team.slack.answer", lang)
            )
            if r.awaits_you
            else None
        )
        blocks.append(SectionBlock(text=MarkdownTextObject(text=line), accessory=accessory))
    return blocks


def _latest(overview: HomeOverview, lang: str) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text=t("home.latest_heading", lang))]
    if not overview.latest:
        return [*blocks, SectionBlock(text=MarkdownTextObject(text=t("home.no_decisions", lang)))]
    blocks += [
        SectionBlock(text=MarkdownTextObject(text=summary_line(d, lang))) for d in overview.latest
    ]
    more = overview.total - len(overview.latest)
    if more > 0:
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=t("home.more_decisions", lang, count=more))]
            )
        )
    return blocks


def _upcoming(overview: HomeOverview, lang: str) -> list[Block]:
    blocks: list[Block] = [DividerBlock(), HeaderBlock(text=t("home.reviews_heading", lang))]
    if not overview.upcoming:
        return [*blocks, SectionBlock(text=MarkdownTextObject(text=t("home.no_reviews", lang)))]
    lines = []
    for d in overview.upcoming:
        assert d.review_date is not None
        key = "home.review_overdue" if d.review_date < overview.today else "home.review_line"
        lines.append(
            t(
                key,
                lang,
                date=d.review_date.isoformat(),
                title=escape(d.title),
                owner=f"<@{d.owner_id}>",
            )
        )
    return [*blocks, SectionBlock(text=MarkdownTextObject(text="\n".join(lines)))]


def digest_text(digest: DigestSchedule, lang: str) -> str:
    """ "Mondays and Thursdays at 09:00 (Europe/Paris), in #channel" or "off"."""
    if not digest.enabled:
        return t("home.digest_off", lang)
    days = [d.strip() for d in digest.days.lower().split(",") if d.strip()]
    if "daily" in days:
        when = t("home.digest_daily", lang)
    else:
        names = [t(f"home.day.{d}", lang) for d in WEEKDAYS if d in days]
        when = (
            t("home.digest_weekly", lang, days=", ".join(names))
            if names
            else t("home.digest_daily", lang)
        )
    where = (
        t("home.digest_channel", lang, channel=f"<#{digest.channel_id}>")
        if digest.channel_id
        else t("home.digest_no_channel", lang)
    )
    return t(
        "home.digest_on", lang, days=when, time=digest.time, timezone=digest.timezone, where=where
    )

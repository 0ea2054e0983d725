"""Block Kit for team rounds: the setup modal, the invitation, the starter's status, the result.

Block and action ids live here; the listeners only name the constants. Nothing here shows an
answer next to a name: the status lists who answered (never what), and an anonymous round's
result gives counts only.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    ConversationFilter,
    ConversationSelectElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    RadioButtonsElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
)
from slack_sdk.models.views import View

from bot.assessment.questions import verdict_name
from bot.assessment.rounds import DEADLINE_DAYS, DEFAULT_DAYS, RoundInfo
from bot.i18n import t
from bot.text import clip, escape, json_object
from bot.views import ids
from bot.views.assessment import (
    ResultCard,
    result_blocks,
    result_text,
    title_from_values,
    title_input,
)
from bot.vocabulary import VERDICTS

PEOPLE, CHANNEL, DAYS, NAMES = "people", "channel", "days", "names"
ANONYMOUS, NAMED = "anonymous", "named"
SECTION_MAX = 3000
MENTIONS_SHOWN = 60  # a status of 200 mentions would not fit a section; the rest are counted


def _section(text: str, block_id: str | None = None) -> SectionBlock:
    return SectionBlock(block_id=block_id, text=MarkdownTextObject(text=clip(text, SECTION_MAX)))


def when(moment: datetime) -> str:
    """A deadline every reader sees in their own time zone (UTC as the fallback text)."""
    return (
        f"<!date^{int(moment.timestamp())}^{{date_short_pretty}} {{time}}|"
        f"{moment:%Y-%m-%d %H:%M} UTC>"
    )


def mentions(users: Sequence[str], lang: str) -> str:
    shown = ", ".join(f"<@{u}>" for u in users[:MENTIONS_SHOWN])
    if len(users) > MENTIONS_SHOWN:
        shown += t("team.slack.and_more", lang, count=len(users) - MENTIONS_SHOWN)
    return shown or t("team.slack.nobody", lang)


# ------------------------------------------------------------------------------ setup


@dataclass(frozen=True)
class SetupForm:
    """What the starter picked in the setup modal."""

    title: str
    people: tuple[str, ...]
    channel: str | None
    days: int
    anonymous: bool


def setup_modal(lang: str, channel_id: str, title: str = "") -> dict[str, Any]:
    """Who answers (people and/or everyone in a channel), by when, and whether names show."""
    days = [Option(text=t("team.slack.days", lang, count=d), value=str(d)) for d in DEADLINE_DAYS]
    names = [
        Option(text=t("team.slack.anonymous", lang), value=ANONYMOUS),
        Option(text=t("team.slack.named", lang), value=NAMED),
    ]
    blocks: list[Block] = [
        title_input(title, lang),
        InputBlock(
            block_id=PEOPLE,
            label=t("team.slack.people", lang),
            optional=True,
            element=UserMultiSelectElement(action_id=PEOPLE),
        ),
        InputBlock(
            block_id=CHANNEL,
            label=t("team.slack.channel", lang),
            hint=t("team.slack.channel_hint", lang),
            optional=True,
            element=ConversationSelectElement(
                action_id=CHANNEL,
                filter=ConversationFilter(include=["public", "private"], exclude_bot_users=True),
            ),
        ),
        InputBlock(
            block_id=DAYS,
            label=t("team.slack.deadline", lang),
            element=StaticSelectElement(
                action_id=DAYS,
                options=days,
                initial_option=days[DEADLINE_DAYS.index(DEFAULT_DAYS)],
            ),
        ),
        InputBlock(
            block_id=NAMES,
            label=t("team.slack.names", lang),
            element=RadioButtonsElement(action_id=NAMES, options=names, initial_option=names[0]),
        ),
    ]
    return View(
        type="modal",
        callback_id=ids.TEAM_SETUP,
        title=t("team.slack.modal_title", lang),
        submit=t("team.slack.start", lang),
        close=t("advisor.slack.cancel", lang),
        blocks=blocks,
        private_metadata=json.dumps({"c": channel_id}),
    ).to_dict()


def setup_channel(view: Mapping[str, Any]) -> str:
    """The channel the round was started from (where the result goes)."""
    return str(json_object(view.get("private_metadata")).get("c") or "")


def parse_setup(values: Mapping[str, Any]) -> SetupForm:
    """The submitted form; anything unexpected falls back to the defaults."""

    def field(block: str) -> dict[str, Any]:
        return (values.get(block) or {}).get(block) or {}

    raw_days = (field(DAYS).get("selected_option") or {}).get("value")
    days = int(raw_days) if raw_days in {str(d) for d in DEADLINE_DAYS} else DEFAULT_DAYS
    named = (field(NAMES).get("selected_option") or {}).get("value") == NAMED
    return SetupForm(
        title=title_from_values(values),
        people=tuple(str(u) for u in field(PEOPLE).get("selected_users") or ()),
        channel=field(CHANNEL).get("selected_conversation") or None,
        days=days,
        anonymous=not named,
    )


# ------------------------------------------------------------------------------ messages


def _title(info: RoundInfo, lang: str) -> str:
    return escape(info.title or t("advisor.slack.untitled", lang))


def invitation(info: RoundInfo, lang: str, *, key: str = "team.slack.invite") -> dict[str, Any]:
    """The DM each person gets (also the nudge and the reminder, with another ``key``)."""
    privacy = "team.slack.private_anonymous" if info.anonymous else "team.slack.private_named"
    text = t(
        key,
        lang,
        starter=f"<@{info.starter_id}>",
        title=_title(info, lang),
        deadline=when(info.deadline_at),
    )
    blocks: list[Block] = [
        _section(text),
        ContextBlock(elements=[MarkdownTextObject(text=t(privacy, lang))]),
        ActionsBlock(
            block_id="team_invite",
            elements=[
                ButtonElement(
                    action_id=ids.TEAM_ANSWER,
                    value=str(info.id),
                    style="primary",
                    text=t("team.slack.answer", lang),
                )
            ],
        ),
    ]
    return {"text": text, "blocks": blocks}


def status(info: RoundInfo, lang: str, notice: str | None = None) -> dict[str, Any]:
    """The starter's view of the round: who answered (never what), who is pending, buttons."""
    head = t(
        "team.slack.status" if info.is_open else "team.slack.status_closed",
        lang,
        title=_title(info, lang),
        answered=len(info.answered),
        invited=len(info.members),
        deadline=when(info.deadline_at),
    )
    blocks: list[Block] = [
        _section(head),
        _section(t("team.slack.answered", lang, people=mentions(info.answered, lang))),
        _section(t("team.slack.pending", lang, people=mentions(info.pending, lang))),
    ]
    if notice:
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=notice)]))
    if info.is_open:
        value = str(info.id)
        blocks.append(
            ActionsBlock(
                block_id="team_status",
                elements=[
                    ButtonElement(
                        action_id=ids.TEAM_NUDGE, value=value, text=t("team.slack.nudge", lang)
                    ),
                    ButtonElement(
                        action_id=ids.TEAM_CLOSE,
                        value=value,
                        style="danger",
                        text=t("team.slack.close", lang),
                    ),
                ],
            )
        )
    return {"text": head, "blocks": blocks}


def _verdict_line(verdict: str, count: int, people: Sequence[str], lang: str) -> str:
    if people:
        return t(
            "team.slack.verdict_named",
            lang,
            verdict=verdict_name(verdict, lang),
            people=mentions(people, lang),
        )
    return t("team.slack.verdict_count", lang, verdict=verdict_name(verdict, lang), count=count)


def team_blocks(result: Mapping[str, Any], lang: str) -> list[Block]:
    """The team part of a result: each member's own verdict (counts, or names when the round
    is named), then where the team disagrees and why it matters (texts stored at the close)."""
    team = result.get("team") or {}
    round_ = result.get("round") or {}
    counts: dict[str, int] = {}
    for own in team.get("individual") or []:
        counts[own["verdict"]] = counts.get(own["verdict"], 0) + 1
    by_verdict = {} if round_.get("anonymous", True) else round_.get("by_verdict") or {}
    lines = [
        t(
            "team.slack.members",
            lang,
            answered=team.get("members", 0),
            invited=round_.get("invited", team.get("members", 0)),
        )
    ]
    lines += [
        _verdict_line(v, counts[v], by_verdict.get(v) or [], lang)
        for v in sorted(counts, key=lambda v: (-counts[v], VERDICTS.index(v)))
    ]
    blocks: list[Block] = [_section("\n".join(lines), block_id="team_members")]
    splits = result.get("team_lines") or []
    if splits:
        blocks.append(_section("\n".join(splits), block_id="team_splits"))
    return blocks


def round_result(card: ResultCard, result: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """The result posted in the channel: the usual result, the team part, and the buttons
    Save as decision, Discuss in thread and Rerun with the same people."""
    round_id = str((result.get("round") or {}).get("id") or "")
    buttons = [
        ButtonElement(
            action_id=ids.DECISION_FROM_ASSESSMENT,
            value=str(card.id),
            style="primary",
            text=t("advisor.slack.save", lang),
        ),
        ButtonElement(
            action_id=ids.TEAM_DISCUSS, value=round_id, text=t("team.slack.discuss", lang)
        ),
        ButtonElement(action_id=ids.TEAM_RERUN, value=round_id, text=t("team.slack.rerun", lang)),
    ]
    blocks = result_blocks(
        card, lang, shareable=False, buttons=buttons, before=team_blocks(result, lang)
    )
    return {"text": result_text(card, lang), "blocks": blocks}


def empty_result(info: RoundInfo, lang: str) -> dict[str, Any]:
    text = t("team.slack.nobody_answered", lang, title=_title(info, lang))
    block_id = f"{ids.TEAM_EMPTY_RESULT}.{info.id}"  # how a later try finds it in the channel
    return {"text": text, "blocks": [_section(text, block_id=block_id)]}

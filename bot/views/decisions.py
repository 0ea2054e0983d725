"""Block Kit for the decision log: the decide modal, the list, confirmations, reminders.

Block and action ids live here and nowhere else: the modal's parser below reads back exactly
what the builder put in, and the listeners only name the constants.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DatePickerElement,
    InputBlock,
    MarkdownTextObject,
    Option,
    OverflowMenuElement,
    PlainTextInputElement,
    SectionBlock,
    StaticSelectElement,
    UserMultiSelectElement,
    UserSelectElement,
)
from slack_sdk.models.views import View

from bot.assessment.rounds import RoundMark
from bot.decisions.reminders import DueReminder
from bot.decisions.rules import STATUSES, TEXT_MAX, TITLE_MAX, VERDICTS, DecisionDraft
from bot.decisions.search import Page
from bot.decisions.store import DecisionSummary, safe_link
from bot.i18n import t
from bot.text import clip, escape, json_object
from bot.views import ids

ENTRY_ACTIONS = ("revisit", "supersede", "reverse", "edit")
VALUE = "value"  # the action id of every input in the decide modal
OPTION_TEXT_MAX = 75
BUTTON_VALUE_MAX = 2000
# An input re-sent with a new initial value (the LLM's thread summary) needs a new block id:
# Slack keeps what an input shows while its block id stays the same.
RENEWED = ".renewed"


def _option(text: str, value: str) -> Option:
    return Option(text=clip(text, OPTION_TEXT_MAX), value=value)


# ------------------------------------------------------------------------- the decide modal


@dataclass(frozen=True)
class ModalContext:
    """Where the modal came from, carried in ``private_metadata`` (ids re-checked on submit)."""

    channel_id: str = ""
    edit_id: int | None = None
    supersedes_id: int | None = None
    # Logged from a message: the thread (in ``channel_id``) to confirm in, and its permalink.
    thread_ts: str = ""
    link: str = ""

    def dump(self) -> str:
        data: dict[str, Any] = {"c": self.channel_id, "e": self.edit_id, "s": self.supersedes_id}
        if self.thread_ts:
            data["t"] = self.thread_ts
        if self.link:
            data["l"] = self.link
        return json.dumps(data, separators=(",", ":"))

    @classmethod
    def load(cls, raw: str) -> ModalContext:
        data = json_object(raw)
        return cls(
            str(data.get("c") or ""),
            data.get("e"),
            data.get("s"),
            str(data.get("t") or ""),
            str(data.get("l") or ""),
        )


def decide_modal(
    lang: str,
    draft: DecisionDraft | None,
    context: ModalContext,
    *,
    default_review: date,
    assessments: list[tuple[int, str]],
    supersedes_title: str | None = None,
    renewed_rationale: bool = False,
) -> View:
    """``renewed_rationale``: the rationale was rewritten after the modal opened (the LLM's
    summary of the thread), so its input gets a new block id and Slack shows the new text."""
    d = draft or DecisionDraft(title="", verdict="", owner_id="")
    mode = "edit" if context.edit_id else "supersede" if context.supersedes_id else "new"
    verdicts = [_option(t(f"decisions.verdict.{v}", lang), v) for v in VERDICTS]
    statuses = [_option(t(f"decisions.status.{s}", lang), s) for s in STATUSES]
    blocks: list[Block] = []
    if supersedes_title:
        blocks.append(
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text=t("decisions.modal.supersedes", lang, title=escape(supersedes_title))
                    )
                ]
            )
        )
    blocks += [
        _input(
            "title",
            lang,
            PlainTextInputElement(
                action_id=VALUE, initial_value=d.title[:TITLE_MAX] or None, max_length=TITLE_MAX
            ),
        ),
        _input(
            "verdict",
            lang,
            StaticSelectElement(
                action_id=VALUE,
                options=verdicts,
                placeholder=t("decisions.modal.pick", lang),
                initial_option=_initial(verdicts, d.verdict),
            ),
        ),
        _input(
            "rationale",
            lang,
            _long_text(d.rationale),
            optional=True,
            block_id=f"rationale{RENEWED}" if renewed_rationale else None,
        ),
        _input(
            "alternatives",
            lang,
            _long_text(d.alternatives),
            optional=True,
        ),
        _input("owner", lang, UserSelectElement(action_id=VALUE, initial_user=d.owner_id or None)),
        _input(
            "participants",
            lang,
            UserMultiSelectElement(action_id=VALUE, initial_users=list(d.participants) or None),
            optional=True,
        ),
        _input(
            "status",
            lang,
            StaticSelectElement(
                action_id=VALUE, options=statuses, initial_option=_initial(statuses, d.status)
            ),
        ),
        _input(
            "review_date",
            lang,
            DatePickerElement(
                action_id=VALUE, initial_date=(d.review_date or default_review).isoformat()
            ),
            optional=True,
        ),
    ]
    linked = _assessment_options(assessments)
    if linked:
        blocks.append(
            _input(
                "assessment",
                lang,
                StaticSelectElement(
                    action_id=VALUE,
                    options=linked,
                    placeholder=t("decisions.modal.pick", lang),
                    initial_option=_initial(linked, str(d.assessment_id or "")),
                ),
                optional=True,
            )
        )
    return View(
        type="modal",
        callback_id=ids.DECISION_SAVE,
        private_metadata=context.dump(),
        title=t(f"decisions.modal.title_{mode}", lang),
        submit=t("decisions.modal.submit", lang),
        close=t("decisions.modal.cancel", lang),
        blocks=blocks,
    )


def _long_text(initial: str) -> PlainTextInputElement:
    """A multi-line box for free text, prefilled with what is already there."""
    return PlainTextInputElement(
        action_id=VALUE,
        multiline=True,
        max_length=TEXT_MAX,
        initial_value=initial[:TEXT_MAX] or None,
    )


def _input(
    name: str, lang: str, element: Any, optional: bool = False, block_id: str | None = None
) -> InputBlock:
    return InputBlock(
        block_id=block_id or name,
        label=t(f"decisions.field.{name}", lang),
        element=element,
        optional=optional,
    )


def _initial(options: list[Option], value: str) -> Option | None:
    return next((o for o in options if o.value == value), None)


def _assessment_options(assessments: list[tuple[int, str]]) -> list[Option]:
    return [_option(f"#{aid} {title}", str(aid)) for aid, title in assessments[:100]]


def draft_from_state(values: dict[str, Any]) -> DecisionDraft:
    """The decide modal's ``view.state.values`` read back into a draft (nothing checked yet)."""

    def field(name: str) -> dict[str, Any]:
        found = values.get(name) or values.get(f"{name}{RENEWED}") or {}
        return found.get(VALUE) or {}

    def chosen(name: str) -> str:
        return str((field(name).get("selected_option") or {}).get("value") or "")

    parse_errors: dict[str, str] = {}
    review: date | None = None
    raw_date = field("review_date").get("selected_date")
    if raw_date:
        try:
            review = date.fromisoformat(str(raw_date))
        except ValueError:
            parse_errors["review_date"] = "decisions.error.review_date_invalid"
    raw_assessment = chosen("assessment")
    return DecisionDraft(
        title=str(field("title").get("value") or ""),
        verdict=chosen("verdict"),
        owner_id=str(field("owner").get("selected_user") or ""),
        rationale=str(field("rationale").get("value") or ""),
        alternatives=str(field("alternatives").get("value") or ""),
        participants=tuple(str(u) for u in field("participants").get("selected_users") or ()),
        status=chosen("status") or "decided",
        review_date=review,
        assessment_id=int(raw_assessment) if raw_assessment.isdigit() else None,
        parse_errors=parse_errors,
    )


# ------------------------------------------------------------------------- messages


def source_line(link: str | None, lang: str) -> str:
    """ "Source: the conversation", linked to the message a decision was logged from."""
    safe = safe_link(link)
    return t("decisions.thread.source", lang, link=safe) if safe else ""


def summary_line(d: DecisionSummary, lang: str) -> str:
    review = d.review_date.isoformat() if d.review_date else t("decisions.list.no_review", lang)
    line = t(
        "decisions.list.entry",
        lang,
        title=escape(d.title),
        verdict=t(f"decisions.verdict.{d.verdict}", lang),
        status=t(f"decisions.status.{d.status}", lang),
        owner=f"<@{d.owner_id}>",
        review=review,
        id=d.id,
    )
    marks = [m for m in (round_line(d.team_round, lang), source_line(d.link, lang)) if m]
    return " · ".join([line, *marks])


def round_line(mark: RoundMark | None, lang: str) -> str:
    """ "Team round: 7 of 9 answered", linked to the round's result when Slack gave a link."""
    if mark is None:
        return ""
    params = {"answered": mark.answered, "invited": mark.invited}
    link = safe_link(mark.link)
    if link:
        return t("decisions.list.team_round_link", lang, link=link, **params)
    return t("decisions.list.team_round", lang, **params)


def _entry_menu(d: DecisionSummary, lang: str) -> OverflowMenuElement:
    return OverflowMenuElement(
        action_id=ids.DECISION_ENTRY,
        options=[
            _option(t(f"decisions.entry.{action}", lang), f"{action}:{d.id}")
            for action in ENTRY_ACTIONS
        ],
    )


def page_value(number: int, words: str) -> str:
    return json.dumps({"p": number, "w": words}, separators=(",", ":"))[:BUTTON_VALUE_MAX]


def parse_page_value(raw: str) -> tuple[int, str]:
    data = json_object(raw)
    number = data.get("p")
    return (number if isinstance(number, int) and number > 0 else 1), str(data.get("w") or "")


def list_blocks(page: Page, lang: str) -> list[Block]:
    """One page of the log: ≤ 10 entries with their menus, then Previous/Next (≤ 14 blocks)."""
    heading = "decisions.list.heading_words" if page.words else "decisions.list.heading"
    blocks: list[Block] = [
        SectionBlock(
            text=MarkdownTextObject(
                text=t(heading, lang, page=page.number, words=escape(page.words))
            )
        )
    ]
    if not page.items:
        empty = "decisions.list.none_words" if page.words else "decisions.list.none"
        blocks.append(ContextBlock(elements=[MarkdownTextObject(text=t(empty, lang))]))
    for d in page.items:
        blocks.append(
            SectionBlock(
                block_id=f"decision-{d.id}",
                text=MarkdownTextObject(text=summary_line(d, lang)),
                accessory=_entry_menu(d, lang),
            )
        )
    buttons = []
    if page.has_previous:
        buttons.append(
            ButtonElement(
                action_id=ids.DECISION_PREVIOUS,
                text=t("decisions.list.previous", lang),
                value=page_value(page.number - 1, page.words),
            )
        )
    if page.has_next:
        buttons.append(
            ButtonElement(
                action_id=ids.DECISION_NEXT,
                text=t("decisions.list.next", lang),
                value=page_value(page.number + 1, page.words),
            )
        )
    if buttons:
        blocks.append(ActionsBlock(block_id="pages", elements=buttons))
    return blocks


def list_text(page: Page, lang: str) -> str:
    return t("decisions.list.fallback", lang, page=page.number, count=len(page.items))


def confirmation_blocks(
    d: DecisionSummary, user_id: str, lang: str, key: str = "decisions.confirm.logged"
) -> list[Block]:
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=t(key, lang, user=f"<@{user_id}>", entry=summary_line(d, lang))
            )
        )
    ]


def confirmation_text_blocks(text: str) -> list[Block]:
    """A reply in a decision's thread: one section with the sentence already written."""
    return [SectionBlock(text=MarkdownTextObject(text=clip(text, 3000)))]


# ------------------------------------------------------------------------- reminders


def reminder_blocks(r: DueReminder, lang: str) -> list[Block]:
    value = str(r.decision_id)
    return [
        SectionBlock(
            text=MarkdownTextObject(
                text=t(
                    "decisions.reminder.body",
                    lang,
                    title=escape(r.title),
                    verdict=t(f"decisions.verdict.{r.verdict}", lang),
                    date=r.review_date.isoformat(),
                )
                + (f"\n{source_line(r.link, lang)}" if safe_link(r.link) else "")
            )
        ),
        ActionsBlock(
            block_id="reminder",
            elements=[
                ButtonElement(
                    action_id=ids.DECISION_STILL_RIGHT,
                    style="primary",
                    value=value,
                    text=t("decisions.reminder.still_right", lang),
                ),
                ButtonElement(
                    action_id=ids.DECISION_REVISIT,
                    value=value,
                    text=t("decisions.reminder.revisit", lang),
                ),
                ButtonElement(
                    action_id=ids.DECISION_SNOOZE,
                    value=value,
                    text=t("decisions.reminder.snooze", lang),
                ),
            ],
        ),
    ]


def reminder_text(r: DueReminder, lang: str) -> str:
    """The notification line: Slack parses it as mrkdwn too, so the title is escaped there."""
    return t("decisions.reminder.text", lang, title=escape(r.title), date=r.review_date.isoformat())

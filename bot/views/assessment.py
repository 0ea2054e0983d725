"""Block Kit for the assessment: the four-page modal and the result message.

Block and action ids live here and nowhere else: the parsers below read back exactly what the
builders put in, and the listeners only name the constants. The modal's whole state (title,
channel, answers so far, page) travels in ``private_metadata``, so paging needs no database.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    DividerBlock,
    HeaderBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    RadioButtonsElement,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.assessment.advice import closing_shown, reason_lines, ruled_out_lines
from bot.assessment.questions import (
    PAGES,
    QUESTIONS,
    options,
    page_title,
    question_text,
    verdict_name,
)
from bot.assessment.store import NARRATIVE_LLM, TITLE_MAX, StoredAssessment
from bot.i18n import decimal, t
from bot.text import clip, escape, json_object
from bot.views import ids
from bot.vocabulary import VERDICTS

TITLE_BLOCK, TITLE_ACTION = "title", "value"
ANSWER_ACTION = "answer"
METADATA_MAX = 3000
SECTION_MAX = 3000
NARRATIVE_SECTIONS = 4  # an LLM that rambles is cut, not allowed to flood the message
BAR_CELLS = 10


def question_block_id(question: str) -> str:
    return f"q_{question}"


def valid_answers(raw: object) -> dict[str, str]:
    """Only the known question/answer pairs of ``raw`` (metadata and button values are input)."""
    if not isinstance(raw, Mapping):
        return {}
    return {q: a for q, a in raw.items() if q in QUESTIONS and a in QUESTIONS[q]}


def answers_from_value(raw: str | None) -> dict[str, str]:
    """Prior answers carried by an ``assessment.start`` button: empty, or a JSON object of
    answers (optionally wrapped as ``{"answers": {...}}``); anything else starts afresh."""
    data = json_object(raw)
    return valid_answers(data["answers"] if isinstance(data.get("answers"), dict) else data)


# ------------------------------------------------------------------------------ the modal


@dataclass(frozen=True)
class ModalState:
    """Where the user is in the modal, carried in ``private_metadata``."""

    title: str = ""
    channel_id: str = ""
    answers: Mapping[str, str] = field(default_factory=dict)
    page: int = 0
    round_id: int = 0  # a team round's answers (private until the close), not an assessment

    def dump(self) -> str:
        data: dict[str, Any] = {
            "t": self.title[:TITLE_MAX],
            "c": self.channel_id,
            "p": self.page,
            "a": dict(self.answers),
        }
        if self.round_id:
            data["r"] = self.round_id
        raw = json.dumps(
            data,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        if len(raw) > METADATA_MAX:  # cannot happen with a clipped title; never send it if it did
            raise ValueError(f"private_metadata of {len(raw)} characters")
        return raw

    @classmethod
    def load(cls, raw: str | None) -> ModalState:
        data = json_object(raw)
        page = data.get("p")
        page = page if isinstance(page, int) and 0 <= page < len(PAGES) else 0
        round_id = data.get("r")
        return cls(
            str(data.get("t") or "")[:TITLE_MAX],
            str(data.get("c") or ""),
            valid_answers(data.get("a")),
            page,
            round_id if isinstance(round_id, int) and round_id > 0 else 0,
        )

    def with_answers(self, picked: Mapping[str, str]) -> ModalState:
        return replace(self, answers={**self.answers, **valid_answers(picked)})

    def at(self, page: int) -> ModalState:
        return replace(self, page=max(0, min(page, len(PAGES) - 1)))

    @property
    def last_page(self) -> bool:
        return self.page == len(PAGES) - 1


def _question_block(question: str, answer: str | None, lang: str) -> InputBlock:
    choices = [
        Option(text=o.label, value=o.id, description=o.hint) for o in options(question, lang)
    ]
    initial = next((c for c in choices if c.value == answer), None)
    return InputBlock(
        block_id=question_block_id(question),
        label=question_text(question, lang),
        element=RadioButtonsElement(
            action_id=ANSWER_ACTION, options=choices, initial_option=initial
        ),
    )


def title_input(title: str, lang: str) -> InputBlock:
    """The optional title field (page 1 of the modal, and the team round's setup)."""
    return InputBlock(
        block_id=TITLE_BLOCK,
        label=t("advisor.slack.title_label", lang),
        optional=True,
        element=PlainTextInputElement(
            action_id=TITLE_ACTION,
            initial_value=title or None,
            max_length=TITLE_MAX,
            placeholder=t("advisor.slack.title_placeholder", lang),
        ),
    )


def assessment_modal(state: ModalState, lang: str) -> dict[str, Any]:
    """Page ``state.page`` of the modal, pre-filled with the answers known so far.

    A dict for ``views.open``/``views.update``: the page itself is built and checked by
    slack_sdk's models once per language, title and answers, and only ``private_metadata`` (the
    channel and page) is set per request. Building it every time was a third of the ack's CPU
    (bench/bench_ack.py, cProfile).
    """
    view = dict(
        _modal_page(
            state.page,
            lang,
            state.title,
            tuple(sorted(state.answers.items())),
            bool(state.round_id),
        )
    )
    view["private_metadata"] = state.dump()
    return view


@lru_cache(maxsize=256)
def _modal_page(
    page: int, lang: str, title: str, answers: tuple[tuple[str, str], ...], in_round: bool
) -> dict[str, Any]:
    state = ModalState(title=title, answers=dict(answers), page=page)
    total = len(PAGES)
    blocks: list[Block] = [
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=t(
                        "advisor.slack.step",
                        lang,
                        step=page + 1,
                        total=total,
                        page=page_title(page, lang),
                    )
                )
            ]
        )
    ]
    if page == 0 and in_round:  # the round has its title; say the answers stay private
        blocks.append(_context(t("team.slack.modal_private", lang, title=escape(title))))
    elif page == 0:
        blocks.append(title_input(title, lang))
    blocks += [_question_block(q, state.answers.get(q), lang) for q in PAGES[page]]
    if page == 0 and not in_round:
        blocks.append(
            ActionsBlock(
                block_id="team",
                elements=[
                    ButtonElement(
                        action_id=ids.TEAM_OPEN_SETUP, text=t("team.slack.ask_team", lang)
                    )
                ],
            )
        )
    if page > 0:
        blocks.append(
            ActionsBlock(
                block_id="nav",
                elements=[
                    ButtonElement(
                        action_id=ids.ASSESSMENT_BACK,
                        value=str(page),
                        text=t("advisor.slack.back", lang),
                    )
                ],
            )
        )
    submit = "advisor.slack.finish" if state.last_page else "advisor.slack.next"
    return View(
        type="modal",
        callback_id=ids.ASSESSMENT_PAGE,
        title=t("advisor.slack.modal_title", lang),
        submit=t(submit, lang),
        close=t("advisor.slack.cancel", lang),
        blocks=blocks,
    ).to_dict()


def answers_on_page(values: Mapping[str, Any], page: int) -> dict[str, str]:
    """The answers picked on ``page`` (a view's ``state.values``), unknown values dropped."""
    picked: dict[str, str] = {}
    for question in PAGES[page]:
        selected = (values.get(question_block_id(question)) or {}).get(ANSWER_ACTION) or {}
        value = (selected.get("selected_option") or {}).get("value")
        if value in QUESTIONS[question]:
            picked[question] = value
    return picked


def title_from_values(values: Mapping[str, Any]) -> str:
    typed = ((values.get(TITLE_BLOCK) or {}).get(TITLE_ACTION) or {}).get("value")
    return " ".join(str(typed or "").split())[:TITLE_MAX]


def missing_errors(page: int, picked: Mapping[str, str], lang: str) -> dict[str, str]:
    """``response_action: errors`` for every question of ``page`` left without an answer."""
    return {
        question_block_id(q): t("advisor.slack.missing", lang)
        for q in PAGES[page]
        if q not in picked
    }


# ------------------------------------------------------------------------------ the result


@dataclass(frozen=True)
class ResultCard:
    """What the result message shows, read from a stored assessment (no engine re-run)."""

    id: int
    title: str
    user_id: str
    verdict: str
    confidence: float
    scores: Mapping[str, float]
    flags: list[str]
    reasons: list[tuple[str, str]]  # (principle id, text)
    steps: list[str]
    advice: str
    by_llm: bool
    excluded: Mapping[str, str]
    bars_missed: list[str]
    score_notes: list[str] = field(default_factory=list)
    headline: str = ""

    @classmethod
    def of(cls, stored: StoredAssessment) -> ResultCard:
        r = stored.result
        return cls(
            id=stored.id,
            title=stored.title,
            user_id=stored.user_id,
            verdict=stored.verdict,
            confidence=float(r.get("confidence") or 0.0),
            scores={v: float((r.get("scores") or {}).get(v) or 0.0) for v in VERDICTS},
            flags=[str(f.get("text") or "") for f in r.get("red_flags") or []],
            reasons=[
                (str(x.get("principle") or ""), str(x.get("text") or ""))
                for x in r.get("reasons") or []
            ],
            steps=[str(s) for s in r.get("next_steps") or []],
            advice=str(r.get("advice") or ""),
            by_llm=stored.narrative_by == NARRATIVE_LLM,
            excluded=dict(r.get("excluded") or {}),
            bars_missed=list(r.get("bars_missed") or []),
            score_notes=[str(x) for x in r.get("score_notes") or []],
            headline=str(r.get("headline") or ""),
        )


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=clip(text, SECTION_MAX)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=clip(text, SECTION_MAX))])


def score_chart(card: ResultCard, lang: str) -> str:
    """The four scores as bars in a code block; ruled-out verdicts say so instead of a bar."""
    names = {v: t(f"advisor.verdict_short.{v}", lang) for v in VERDICTS}
    width = max(len(n) for n in names.values())
    lines = []
    for v in VERDICTS:
        score = card.scores[v]
        filled = round(score * BAR_CELLS)
        bar = "█" * filled + "░" * (BAR_CELLS - filled)
        line = f"{names[v]:<{width}}  {bar}  {decimal(score, lang)}"
        if v == card.verdict:
            line += "  " + t("advisor.slack.chart_verdict", lang)
        elif v in card.excluded:
            line += "  " + t("advisor.slack.chart_ruled_out", lang)
        lines.append(line)
    return "```" + "\n".join(lines) + "```"


def _narrative_blocks(card: ResultCard, lang: str) -> list[Block]:
    """The LLM's prose (escaped: it must not mention @channel or forge links), or the closing
    line when the narrative is the offline one, whose body the sections above already show."""
    if not card.by_llm:
        # The offline narrative's rule: the closing slogan only where it is not a repeat.
        if not closing_shown(card.verdict, {p for p, _ in card.reasons}):
            return []
        return [_section(f"_{t(f'advisor.closing.{card.verdict}', lang)}_")]
    text = escape(card.advice.strip())
    chunks: list[str] = []
    for paragraph in text.split("\n\n"):
        if chunks and len(chunks[-1]) + 2 + len(paragraph) <= SECTION_MAX:
            chunks[-1] += "\n\n" + paragraph
        else:
            chunks.append(paragraph)
    chunks = chunks[:NARRATIVE_SECTIONS]
    chunks[0] = t("advisor.slack.take", lang) + "\n" + chunks[0]
    return [_section(c) for c in chunks]  # each clipped to Slack's 3,000 characters


def result_blocks(
    card: ResultCard,
    lang: str,
    *,
    shareable: bool,
    notice: str | None = None,
    footer: str | None = None,
    buttons: list[ButtonElement] | None = None,
    before: list[Block] | None = None,
) -> list[Block]:
    """The result message: verdict, confidence, scores, red flags first, reasons, next steps,
    the narrative, then Save as decision / Share in channel / Retake (or ``buttons``, with
    ``before`` placed above them: a team round's own part and actions)."""
    value = str(card.id)
    blocks: list[Block] = [
        HeaderBlock(text=clip(card.title or t("advisor.slack.untitled", lang), 150)),
        _section(
            t(
                "advisor.narrative.verdict",
                lang,
                verdict=verdict_name(card.verdict, lang),
                line=card.headline or t(f"advisor.verdict_line.{card.verdict}", lang),
            )
        ),
        _context(
            t(
                "advisor.slack.meta",
                lang,
                confidence=round(card.confidence * 100),
                user=f"<@{card.user_id}>",
            )
        ),
        _section(t("advisor.slack.scores", lang) + "\n" + score_chart(card, lang)),
    ]
    ruled_out = card.score_notes or ruled_out_lines(card.excluded, card.bars_missed, lang)
    if ruled_out:
        blocks.append(_context("\n".join(ruled_out)))
    if card.flags:
        blocks.append(
            _section(
                "\n".join(
                    [t("advisor.narrative.flags", lang)]
                    + [t("advisor.narrative.bullet", lang, text=f) for f in card.flags]
                )
            )
        )
    blocks.append(
        _section(
            "\n".join([t("advisor.narrative.reasons", lang)] + reason_lines(card.reasons, lang))
        )
    )
    blocks.append(
        _section(
            "\n".join(
                [t("advisor.narrative.steps", lang)]
                + [
                    t("advisor.narrative.step", lang, number=i, text=s)
                    for i, s in enumerate(card.steps, start=1)
                ]
            )
        )
    )
    blocks.append(DividerBlock())
    blocks += _narrative_blocks(card, lang)
    if notice:
        blocks.append(_context(f"_{notice}_"))
    blocks += before or []
    if buttons is None:
        buttons = [
            ButtonElement(
                action_id=ids.DECISION_FROM_ASSESSMENT,
                value=value,
                style="primary",
                text=t("advisor.slack.save", lang),
            )
        ]
        if shareable:
            buttons.append(
                ButtonElement(
                    action_id=ids.ASSESSMENT_SHARE, value=value, text=t("advisor.slack.share", lang)
                )
            )
        buttons.append(
            ButtonElement(
                action_id=ids.ASSESSMENT_RETAKE, value=value, text=t("advisor.slack.retake", lang)
            )
        )
    blocks.append(ActionsBlock(block_id="assessment_result", elements=buttons))
    if footer:
        blocks.append(_context(footer))
    return blocks


def result_text(card: ResultCard, lang: str) -> str:
    """The notification text (and what screen readers get first)."""
    return t(
        "advisor.slack.result_text",
        lang,
        title=escape(card.title or t("advisor.slack.untitled", lang)),
        verdict=verdict_name(card.verdict, lang),
        confidence=round(card.confidence * 100),
    )


def ask_text(
    question: str, answer: str, lang: str, *, by_llm: bool, notice: str | None = None
) -> str:
    """An ``ask`` reply: the question quoted, the answer, and the fallback notice if any."""
    body = escape(answer) if by_llm else answer
    parts = [
        t("advisor.slack.asked", lang, question=escape(" ".join(question.split()))),
        clip(body, 3500),
    ]
    if notice:
        parts.append(f"_{notice}_")
    return "\n\n".join(parts)

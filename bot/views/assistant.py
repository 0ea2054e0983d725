"""The assistant panel's words: suggested prompts, the status, and how an answer reads with
the team's decisions and news under it, in Slack mrkdwn (whole replies) or as notes for the
LLM (plain lines, facts only)."""

from __future__ import annotations

from collections.abc import Sequence

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.decisions.store import DecisionSummary
from bot.i18n import t
from bot.news.compose import DigestItem
from bot.text import clip, escape
from bot.views import ids
from bot.views.decisions import summary_line

PROMPTS = ("build_model", "assess", "decided", "news")
SECTION_CHARS = 3000
NOTE_CHARS = 300


def suggested_prompts(lang: str) -> list[dict[str, str]]:
    """What the panel offers when it opens: a title to read and the message it sends."""
    return [
        {
            "title": t(f"assistant.prompt.{name}.title", lang),
            "message": t(f"assistant.prompt.{name}.message", lang),
        }
        for name in PROMPTS
    ]


def _news_line(item: DigestItem) -> str:
    title = escape(item.title)
    linked = f"<{escape(item.url).replace('|', '%7C')}|{title}>" if item.url else title
    return f"• *{linked}*: {escape(item.why)}" if item.why else f"• *{linked}*"


def findings_text(
    decisions: Sequence[DecisionSummary],
    news: Sequence[DigestItem],
    lang: str,
    *,
    wants_news: bool = False,
) -> str:
    """The team's decisions and news that bear on the question, in mrkdwn ('' when none)."""
    parts = []
    if decisions:
        lines = "\n".join(f"• {summary_line(d, lang)}" for d in decisions)
        parts.append(f"{t('assistant.found.decisions', lang)}\n{lines}")
    if news:
        lines = "\n".join(_news_line(item) for item in news)
        parts.append(f"{t('assistant.found.news', lang)}\n{lines}")
    elif wants_news:
        parts.append(t("assistant.found.no_news", lang))
    return "\n\n".join(parts)


def notes_for_llm(decisions: Sequence[DecisionSummary], news: Sequence[DigestItem]) -> str:
    """The same records as plain facts for the LLM's prompt (English field names)."""
    lines = [
        f'- Decision #{d.id} "{d.title}": verdict {d.verdict}, status {d.status}, '
        f"review {d.review_date.isoformat() if d.review_date else 'none'}"
        for d in decisions
    ]
    lines += [
        f'- News: "{item.title}" ({item.topic}): {clip(item.why, NOTE_CHARS)}' for item in news
    ]
    return "\n".join(lines)


def answer_text(answer: str, found: str, *, by_llm: bool, notice: str | None = None) -> str:
    """A whole reply: the answer (the LLM's escaped: it must not ping or link), the notice
    when the LLM failed, then what the team has on record (``findings_text``)."""
    parts = [escape(answer) if by_llm else answer] if answer else []
    if notice:
        parts.append(f"_{notice}_")
    if found:
        parts.append(found)
    return "\n\n".join(parts)


def answer_blocks(text: str, lang: str, *, assess: bool) -> list[Block]:
    """The reply as sections (each within Slack's 3,000 characters), and the assessment button
    when the question asks for one."""
    sections = [part for part in text.split("\n\n") if part.strip()][:40]
    blocks: list[Block] = []
    for part in sections:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=clip(part, SECTION_CHARS))))
    return blocks + start_button(lang, assess=assess)


def start_button(lang: str, *, assess: bool) -> list[Block]:
    """The "Start an assessment" button, when the question asks for an assessment."""
    if not assess:
        return []
    return [
        ActionsBlock(
            block_id="assistant-start",
            elements=[
                ButtonElement(
                    action_id=ids.ASSESSMENT_START,
                    style="primary",
                    text=t("assistant.start_assessment", lang),
                )
            ],
        )
    ]

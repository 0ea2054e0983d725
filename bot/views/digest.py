"""Block Kit for the news digest: the message a channel or a manager gets, and the preview.

Feed text is plain text: it is mrkdwn-escaped here, at the last moment, so a title can
neither ping anyone nor forge a link. Limits kept by construction: at most 50 blocks (one
section per story, decision lines only while the budget lasts), a header of at most 150
characters, sections of at most 3,000.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any

from slack_sdk.models.blocks import (
    Block,
    ButtonElement,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.decisions.store import safe_link
from bot.digest.delivery import DeliveryProblem
from bot.errors import SLACK_ERROR_KEYS
from bot.i18n import has, t
from bot.news.compose import Digest, DigestItem
from bot.news.why import DecisionRef
from bot.text import escape, truncate_words
from bot.views import ids
from bot.vocabulary import DeliveryState

MAX_BLOCKS = 50
HEADER_CHARS = 150
SECTION_CHARS = 3000
BUTTON_TEXT_CHARS = 75
SOURCES_SHOWN = 4
DECISIONS_PER_ITEM = 2
DECISION_TITLE_CHARS = 120
NOTIFICATION_CHARS = 300
# The ids of a digest's story and decision blocks start with this, so the Revisit button (shared
# with reminders) can tell it was clicked in a digest: a message it must never replace.


def _link(url: str, label: str) -> str:
    # Inside <url|label> a raw "|" or ">" would end the URL early.
    safe = escape(url).replace("|", "%7C")
    return f"<{safe}|{label}>"


def _sources(names: Sequence[str], lang: str) -> str:
    shown = ", ".join(escape(n) for n in names[:SOURCES_SHOWN])
    if len(names) > SOURCES_SHOWN:
        shown += " " + t("digest.message.more_sources", lang, count=len(names) - SOURCES_SHOWN)
    return shown


def item_text(item: DigestItem, lang: str) -> str:
    """One story as mrkdwn: linked bold title, why it matters, topic · sources · date."""
    title = escape(item.title)
    published = (
        item.published.strftime("%Y-%m-%d") if item.published else t("digest.message.undated", lang)
    )
    meta = t(
        "digest.message.meta",
        lang,
        topic=t(f"news.topic.{item.topic}", lang),
        sources=_sources(item.sources, lang),
        published=published,
    )
    rest = f"\n{escape(item.why)}\n{meta}"
    if item.url:
        linked = f"*{_link(item.url, title)}*{rest}"
        if len(linked) <= SECTION_CHARS:
            return linked
    return truncate_words(f"*{title}*{rest}", SECTION_CHARS)


class _Rendered(Block):
    """A block whose JSON is computed once, for every message that shows it: the same header,
    intro, footer and stories go to many teams, and slack_sdk's ``to_dict`` (validation,
    attribute walk) cost more than the rest of the message. The dict is shared: read it, don't
    change it."""

    def __init__(self, block: Block) -> None:
        super().__init__(type=block.type, block_id=block.block_id)
        self._rendered = block.to_dict()

    def to_dict(self, *args: Any) -> dict[str, Any]:
        return self._rendered


@lru_cache(maxsize=4096)
def _story_section(
    title: str,
    url: str | None,
    why: str,
    topic: str,
    sources: tuple[str, ...],
    published: datetime | None,
    lang: str,
    n: int,
) -> Block:
    # Keyed on what the section shows (not the team's decisions, which get blocks of their own).
    item = DigestItem(title, url, sources, published, topic, why, (), "", frozenset())
    return _Rendered(
        SectionBlock(
            block_id=f"{ids.DIGEST_BLOCK_PREFIX}item.{n}",
            text=MarkdownTextObject(text=item_text(item, lang)),
        )
    )


@lru_cache(maxsize=4096)  # a team's channel and manager copies share them
def _decision_block(ref: DecisionRef, lang: str, block_id: str) -> Block:
    verdict = (
        t(f"decisions.verdict.{ref.verdict}", lang)
        if has(f"decisions.verdict.{ref.verdict}", lang)
        else ref.verdict
    )
    title = escape(truncate_words(ref.title, DECISION_TITLE_CHARS))
    link = safe_link(ref.link)
    text = t(
        "news.digest.decision_link",
        lang,
        title=f"<{link}|{title}>" if link else title,
        verdict=verdict,
    )
    button = ButtonElement(
        text=t("news.digest.revisit", lang)[:BUTTON_TEXT_CHARS],
        action_id=ids.DECISION_REVISIT,
        value=ref.id,
    )
    return _Rendered(
        SectionBlock(block_id=block_id, text=MarkdownTextObject(text=f"↳ {text}"), accessory=button)
    )


@lru_cache(maxsize=1024)
def _context(text: str) -> Block:
    return _Rendered(ContextBlock(elements=[MarkdownTextObject(text=text[:SECTION_CHARS])]))


@lru_cache(maxsize=256)
def _header(date: str, lang: str) -> Block:
    text = truncate_words(t("digest.message.header", lang, date=date), HEADER_CHARS)
    return _Rendered(HeaderBlock(block_id=header_block_id(date), text=text))


def header_block_id(date: str) -> str:
    """The header's block id: it names the period, so a message can be recognised in Slack."""
    return f"{ids.DIGEST_BLOCK_PREFIX}header.{date}"


def digest_blocks(
    digest: Digest, lang: str, date: str, *, footer: str | None = None, notes: Sequence[str] = ()
) -> list[Block]:
    """The digest message. Each decision is named once, on the best story bearing on it."""
    count = len(digest.items)
    blocks: list[Block] = [_header(date, lang)]
    blocks.extend(_context(note) for note in notes)
    if not count:
        blocks.append(
            SectionBlock(text=MarkdownTextObject(text=t("news.digest.nothing_new", lang)))
        )
    else:
        intro = (
            t("digest.message.intro_one", lang)
            if count == 1
            else t("digest.message.intro", lang, count=count)
        )
        blocks.append(_context(intro))
    tail = 1 if footer else 0
    named: set[str] = set()
    budget = MAX_BLOCKS - len(blocks) - tail - count  # what is left for decision lines
    for n, item in enumerate(digest.items, start=1):
        blocks.append(
            _story_section(
                item.title, item.url, item.why, item.topic, item.sources, item.published, lang, n
            )
        )
        fresh = [d for d in item.decisions if d.id not in named][:DECISIONS_PER_ITEM]
        for ref in fresh[: max(budget, 0)]:
            named.add(ref.id)
            budget -= 1
            blocks.append(_decision_block(ref, lang, f"{ids.DIGEST_BLOCK_PREFIX}decision.{ref.id}"))
    if footer:
        blocks.append(_context(footer))
    return blocks[:MAX_BLOCKS]


def channel_footer(footer: str, lang: str) -> str:
    """A channel digest's footer, with the prompt to discuss its stories in its thread."""
    return f"{footer}\n{t('digest.discussion.prompt', lang)}"


def digest_text(digest: Digest, lang: str, date: str) -> str:
    """The notification text (and what screen readers and old clients show)."""
    text = t("digest.message.text", lang, date=date, count=len(digest.items))
    if digest.items:
        text += " " + escape(digest.items[0].title)
    return truncate_words(text, NOTIFICATION_CHARS)


def _recipient(recipient: str) -> str:
    kind, _, ident = recipient.partition(":")
    return f"<#{ident}>" if kind == "channel" else f"<@{ident}>"


def problem_lines(problems: Sequence[DeliveryProblem], lang: str) -> list[str]:
    """One line per failed or missed delivery, in words an admin can act on."""
    lines = []
    for p in problems:
        if p.status == DeliveryState.FAILED:
            key = SLACK_ERROR_KEYS.get(p.error or "")
            reason = t(key, lang) if key else escape(p.error or "?")
            status = t("digest.preview.status_failed", lang)
        elif p.status == DeliveryState.MAYBE_SENT:
            reason = t("digest.preview.reason_maybe_sent", lang)
            status = t("digest.preview.status_maybe_sent", lang)
        else:
            reason = t("digest.preview.reason_missed", lang)
            status = t("digest.preview.status_missed", lang)
        date = p.period if not p.period.startswith("now-") else p.at.strftime("%Y-%m-%d")
        lines.append(
            t(
                "digest.preview.problem",
                lang,
                date=date,
                recipient=_recipient(p.recipient),
                status=status,
                reason=reason,
            )
        )
    return lines


def failure_summary(problems: Sequence[DeliveryProblem], lang: str) -> str | None:
    """A short mrkdwn paragraph on recent delivery problems for admins, None when all is well."""
    if not problems:
        return None
    return "\n".join([t("digest.preview.problems", lang), *problem_lines(problems, lang)])


def notice_blocks(text: str) -> list[Block]:
    """A one-sentence ephemeral answer."""
    return [SectionBlock(text=MarkdownTextObject(text=text[:SECTION_CHARS]))]

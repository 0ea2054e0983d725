"""The assistant panel's answers: the ``ask`` advisor, told the thread so far, the team's
decisions that bear on the question and, when asked for news, the team's next digest.

Slack stays outside: listeners hand in the thread's messages (``ThreadMessage``) and get text
back; they set the status, stream or post it. Everything read is bounded, so a long thread or a
large decision log never makes a long prompt.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Generator, Sequence
from dataclasses import dataclass

from bot.ask import answer as ask
from bot.ask.guard import ANSWER
from bot.db import session_scope
from bot.decisions.search import list_page, search_terms
from bot.decisions.store import DecisionSummary
from bot.decisions.threads import ThreadMessage
from bot.llm import LLMClient, LLMError, answer_question, notice
from bot.messaging.digest_commands import preview
from bot.news.compose import DigestItem
from bot.services import Services
from bot.text import truncate_words

HISTORY_TURNS = 8  # earlier messages of the thread given to the LLM, the latest ones
HISTORY_CHARS = 3000  # and at most this much of them
TURN_CHARS = 600  # of any one message
QUESTION_CHARS = 2000
DECISIONS_SHOWN = 5
TERMS_SEARCHED = 6  # words of the question looked up in the decision log, one query each
NEWS_SHOWN = 5

# Words that say nothing of a decision's subject (English and French, accents stripped).
_FILLER = frozenset(
    """
    about after again also and any are but can could did does for from have how into its just
    like more most not now our ours should some than that the their them then there these they
    this those was were what when where which who why will with would you your yours
    decide decided decision decisions team week news
    avec avons aux ces cette comment dans des deja elle est etait etre faire fait les leur mais
    nos notre nous ont pas pour quand que quel quelle quels qui quoi sont sur une vos votre vous
    decide decider decidee decision decisions equipe semaine actualites nouvelles
    """.split()  # noqa: SIM905 - a word list reads better as words
)
_NEWS = re.compile(
    r"\bnews\b|\bdigest|\bthis week\b|\bheadlines?\b|\bactualit|\bnouvelles\b|\bcette semaine\b"
)
_DECISIONS = re.compile(r"\bdecid|\bdecision|\bwe chose\b|\bnous avons choisi\b")
_ASSESS = re.compile(r"\bassess|\bevaluat|\bevaluer\b")


@dataclass(frozen=True)
class Turn:
    """One earlier message of the thread: the person's, or the app's own answer."""

    by_app: bool
    text: str


@dataclass(frozen=True)
class Findings:
    """What the team has that bears on the question."""

    decisions: tuple[DecisionSummary, ...] = ()
    news: tuple[DigestItem, ...] = ()
    wants_news: bool = False  # asked for news (an empty ``news`` then says there is none yet)
    wants_assessment: bool = False

    @property
    def any(self) -> bool:
        """Whether there is something of the team's to show (or to say there is none yet)."""
        return bool(self.decisions or self.news or self.wants_news)


@dataclass(frozen=True)
class Reply:
    """The answer's prose ("" when the question is only about the team's records), its
    language (the question's), whether the LLM wrote it, and the notice when it could not."""

    text: str
    lang: str
    used_llm: bool = False
    notice: str | None = None


@dataclass(frozen=True)
class Streamed:
    """An answer the LLM is writing: its harmless pieces as they come (iterating may raise
    ``LLMError`` half-way), its language, and the offline answer to show instead when the LLM
    fails before its first piece."""

    pieces: Generator[str]  # closed by the caller: that closes the HTTP response
    lang: str
    offline: str


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def history(messages: Sequence[ThreadMessage], current_ts: str) -> list[Turn]:
    """The thread before the current message: its latest ``HISTORY_TURNS`` messages with text,
    each cut to ``TURN_CHARS``, the oldest dropped first past ``HISTORY_CHARS``."""
    earlier = [m for m in messages if m.text and m.ts != current_ts]
    if current_ts:
        earlier = [m for m in earlier if _ts(m.ts) < _ts(current_ts)]
    turns = [Turn(m.by_bot, truncate_words(m.text, TURN_CHARS)) for m in earlier]
    turns = turns[-HISTORY_TURNS:]
    while turns and sum(len(t.text) for t in turns) > HISTORY_CHARS:
        turns.pop(0)
    return turns


def _ts(ts: str) -> float:
    try:
        return float(ts)
    except ValueError:
        return 0.0


def subject_terms(question: str) -> list[str]:
    """The question's words worth looking up in the decision log (no filler words)."""
    terms = [w for w in search_terms(_plain(question)) if len(w) >= 3 and w not in _FILLER]
    return list(dict.fromkeys(terms))[:TERMS_SEARCHED]


def find(services: Services, team_id: str, question: str) -> Findings:
    """The team's decisions that share a subject word with the question (most shared first,
    then newest); the latest ones when it asks about decisions without naming a subject; and
    the team's next digest when it asks for news."""
    text = _plain(question)
    terms = subject_terms(question)
    hits: dict[int, tuple[int, DecisionSummary]] = {}
    with session_scope(services.sessions) as session:
        for term in terms:
            for item in list_page(session, team_id, 1, term).items:
                count = hits.get(item.id, (0, item))[0]
                hits[item.id] = (count + 1, item)
        if not hits and _DECISIONS.search(text):
            for item in list_page(session, team_id, 1, "").items:
                hits[item.id] = (0, item)
    ranked = sorted(hits.values(), key=lambda hit: (-hit[0], -hit[1].created_at.timestamp()))
    decisions = tuple(item for _, item in ranked[:DECISIONS_SHOWN])
    wants_news = bool(_NEWS.search(text))
    news: tuple[DigestItem, ...] = ()
    if wants_news:
        digest = preview(services, team_id, show_problems=False).digest
        news = digest.items[:NEWS_SHOWN] if digest else ()
    return Findings(decisions, news, wants_news, bool(_ASSESS.search(text)))


def prompt(question: str, turns: Sequence[Turn], notes: str) -> str:
    """What the LLM is asked: the thread so far, what the team has, then the question."""
    parts = []
    if turns:
        said = "\n".join(f"{'You' if t.by_app else 'User'}: {t.text}" for t in turns)
        parts.append(f"The conversation so far:\n{said}")
    if notes:
        parts.append(
            "What the team has on record (cite it where it bears on the question; never "
            f"invent decisions or news):\n{notes}"
        )
    parts.append(f"The question:\n{question}")
    return "\n\n".join(parts)


def answer(
    question: str,
    turns: Sequence[Turn],
    notes: str,
    lang: str,
    llm: LLMClient | None,
    *,
    has_records: bool = False,
) -> Reply:
    """The ``ask`` engine's answer (``bot.llm.answer_question``) in the question's language:
    its guard and language detection read the question alone; the LLM, if any, also gets the
    thread so far and the team's records (``notes``). A question the advisor does not take
    (off its field, or a manipulation) gets the scope sentence, or nothing when the team's
    records answer it (``has_records``)."""
    asked = truncate_words(question, QUESTION_CHARS)
    offline = ask.answer(asked, lang)  # local and quick: its kind and language
    if offline.kind != ANSWER:
        return Reply("" if has_records else offline.text, offline.lang)
    if llm is None:
        return Reply(offline.text, offline.lang)
    advice = answer_question(asked, lang, llm, llm_text=prompt(asked, turns, notes))
    return Reply(advice.text, offline.lang, advice.used_llm, advice.fallback_notice)


def answer_streamed(
    question: str,
    turns: Sequence[Turn],
    notes: str,
    lang: str,
    llm: LLMClient,
    *,
    has_records: bool = False,
) -> Reply | Streamed:
    """:func:`answer` with the LLM's words streamed: what the advisor does not take, and a
    request the LLM refuses at once (or the day's limit), come whole as a :class:`Reply`."""
    asked = truncate_words(question, QUESTION_CHARS)
    offline = ask.answer(asked, lang)
    if offline.kind != ANSWER:
        return Reply("" if has_records else offline.text, offline.lang)
    try:
        pieces = llm.stream_answer(
            prompt(asked, turns, notes), offline.lang, ask.prompt_context(offline)
        )
    except LLMError as error:
        return Reply(offline.text, offline.lang, notice=notice(error, offline.lang))
    return Streamed(pieces, offline.lang, offline.text)

"""The ``ask`` answer: what the engine says for the facts a question states, plus the passages
that fit it best, in the question's language, saying what was assumed.

One function, ``answer``, serves Slack (``/buildvsbuy ask``), the terminal
(``python -m bot ask``) and the LLM prompt (``prompt_context``: the same facts and passages).
An off-topic or manipulative question gets one sentence on what the advisor does and nothing
else: no engine, no passages, no prompt.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.ask.extract import Facts, extract
from bot.ask.guard import ANSWER, OFF_TOPIC, classify
from bot.ask.language import detect
from bot.ask.passages import Passage, rank
from bot.assessment import advice
from bot.assessment.engine import Assessment, score_answers
from bot.assessment.questions import QUESTION_IDS
from bot.i18n import t

SLACK_COMMAND = "/buildvsbuy assess"
TERMINAL_COMMAND = "python -m bot assess"
PRICE_LOW, PRICE_HIGH = 0.20, 5.0  # dollars per million tokens: a small model, a frontier one
MAX_PASSAGES = 3


@dataclass(frozen=True, slots=True)
class AskAnswer:
    """Everything ``ask`` worked out, so each surface shows what it needs (text or JSON)."""

    question: str
    lang: str
    kind: str  # answer, off_topic, injection (bot.ask.guard)
    text: str
    facts: Facts
    assessment: Assessment | None
    passages: tuple[Passage, ...]

    def to_json(self) -> dict[str, Any]:
        a = self.assessment
        return {
            "language": self.lang,
            "kind": self.kind,
            "facts": [
                {"question": f.question, "answer": f.answer, "evidence": f.evidence}
                for f in self.facts.facts
            ],
            "intents": list(self.facts.intents),
            "named": list(self.facts.named),
            "tokens_per_day": self.facts.tokens_per_day,
            "team_size": int(self.facts.team_size.answer) if self.facts.team_size else None,
            "verdict": a.verdict if a else None,
            "confidence": a.confidence if a else None,
            "scores": dict(a.scores) if a else None,
            "red_flags": list(a.red_flags) if a else [],
            "passages": [
                {"id": p.id, "principle": p.principle, "text": p.text} for p in self.passages
            ],
            "text": self.text,
        }


def _number(value: float, lang: str) -> str:
    """Two significant digits, the language's decimal mark: 1.5 / 1,5."""
    rounded = f"{value:.2g}" if value < 100 else f"{value:.0f}"
    if "e" in rounded:
        rounded = f"{float(rounded):.0f}"
    return rounded.replace(".", ",") if lang == "fr" else rounded


def tokens_label(count: float, lang: str) -> str:
    """ "2 billion" / "2 milliards de": a token count as a manager reads it, before "tokens"."""
    for scale, unit in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million"), (1e3, "thousand")):
        if count >= scale:
            # French: "1,5 milliard de", "2 milliards de" (singular under two).
            one = unit != "thousand" and count / scale < 2
            key = f"ask.unit.{unit}_one" if one else f"ask.unit.{unit}"
            return t(key, lang, n=_number(count / scale, lang))
    return _number(count, lang)


def money_label(dollars: float, lang: str) -> str:
    """ "$12,000" / "12 000 $": rounded to two significant digits, grouped by thousands."""
    rounded = float(f"{dollars:.2g}") if dollars >= 1 else round(dollars, 2)
    grouped = f"{rounded:,.0f}" if rounded >= 1 else f"{rounded:.2f}"
    if lang == "fr":
        grouped = grouped.replace(",", "\u00a0").replace(".", ",")
    return t("ask.unit.money", lang, n=grouped)


def cost_line(tokens_per_day: float, lang: str) -> str:
    """The API arithmetic for a stated volume, with the price range it assumes."""
    monthly = tokens_per_day * 30
    return t(
        "ask.cost.line",
        lang,
        daily=tokens_label(tokens_per_day, lang),
        monthly=tokens_label(monthly, lang),
        low=money_label(monthly / 1e6 * PRICE_LOW, lang),
        high=money_label(monthly / 1e6 * PRICE_HIGH, lang),
    )


def _assumed(facts: Facts, lang: str) -> list[str]:
    if not facts.facts and facts.team_size is None:
        lines = [t("ask.assumed.nothing", lang)]
    else:
        read = t("ask.assumed.separator", lang).join(
            t(
                "ask.assumed.fact",
                lang,
                label=t(f"ask.fact.{f.question}", lang),
                answer=t(f"advisor.answer.{f.question}.{f.answer}", lang),
                evidence=f.evidence,
            )
            for f in facts.facts
        )
        if facts.team_size is not None:
            read += t("ask.assumed.separator", lang) + t(
                "ask.assumed.team_size",
                lang,
                size=facts.team_size.answer,
                evidence=facts.team_size.evidence,
            )
        lines = [
            t("ask.assumed.read", lang, facts=read),
            t("ask.assumed.open", lang),
        ]
    if facts.named:
        lines.append(t("ask.assumed.named", lang, names=", ".join(facts.named)))
    return lines


def signals(facts: Facts) -> list[str]:
    """The facts and intents as passages name them (``question=answer``, ``intent=x``)."""
    return [f"{f.question}={f.answer}" for f in facts.facts] + [
        f"intent={i}" for i in facts.intents
    ]


def usage(lang: str) -> str:
    """What to type, with examples, for an empty ``ask``."""
    return t("advisor.ask.usage", lang)


def scope_sentence(lang: str, command: str = SLACK_COMMAND) -> str:
    """The one sentence on what the advisor does, for questions it will not answer."""
    return t("ask.scope.text", lang, command=command)


def answer(question: str, default_lang: str = "en", command: str = SLACK_COMMAND) -> AskAnswer:
    """Answer ``question`` offline, in its own language (``default_lang`` breaks a tie)."""
    lang = detect(question, default_lang)
    facts = extract(question)
    kind = classify(question)
    if kind == OFF_TOPIC and (facts.facts or facts.intents):
        kind = ANSWER  # no AI word, but it talks about a team, a budget, a deadline: ours
    if kind != ANSWER:
        return AskAnswer(question, lang, kind, scope_sentence(lang, command), Facts(), None, ())
    assessment = score_answers(facts.answers) if facts.facts else None
    passages = tuple(rank(question, lang, signals(facts), limit=MAX_PASSAGES))

    parts: list[str] = []
    if assessment is None:
        parts.append(t("ask.lead.general", lang))
    else:
        parts.append(
            t(
                "ask.lead.verdict",
                lang,
                verdict=t(f"advisor.verdict.{assessment.verdict}", lang),
                open=len(assessment.missing),
                total=len(QUESTION_IDS),
            )
        )
        parts += [advice.red_flag_text(flag, lang) for flag in assessment.red_flags[:2]]
    if facts.tokens_per_day:
        parts.append(cost_line(facts.tokens_per_day, lang))
    parts += [p.text for p in passages]
    parts.append("\n".join(_assumed(facts, lang)))
    parts.append(t("ask.invite.text", lang, command=command))
    return AskAnswer(question, lang, kind, "\n\n".join(parts), facts, assessment, passages)


def prompt_context(result: AskAnswer) -> str:
    """What the LLM is told besides the question: the same facts, engine result and passages
    the offline answer uses, as plain lines (ids, not wording, for the facts)."""
    lines = ["Facts read from the question (partial assessment answers, with the words):"]
    lines += [f'- {f.question} = {f.answer} ("{f.evidence}")' for f in result.facts.facts]
    if not result.facts.facts:
        lines.append("- none: the question says nothing about the team")
    if result.facts.team_size is not None:
        lines.append(f"Team size: {result.facts.team_size.answer} (not an assessment question)")
    if result.facts.named:
        lines.append(f"Models or vendors named: {', '.join(result.facts.named)}")
    if result.facts.tokens_per_day:
        lines.append(cost_line(result.facts.tokens_per_day, "en"))
    a = result.assessment
    if a is not None:
        scores = ", ".join(f"{v} {s:.2f}" for v, s in a.scores.items())
        lines.append(
            f"Engine result on these facts only: verdict {a.verdict}, confidence "
            f"{a.confidence:.2f}, scores {scores}, red flags {', '.join(a.red_flags) or 'none'}."
        )
    lines.append("Passages that match the question best (argue from them):")
    lines += [f"- [{p.principle}] {p.text}" for p in result.passages]
    return "\n".join(lines)

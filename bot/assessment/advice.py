"""The offline advisor: turns an :class:`Assessment` into blunt advice in the seed's voice.

This is the default writer and the fallback when the LLM is down, so it needs nothing but the
message catalog. Order matters and follows the article: red flags first (what would sink you),
then the reasons with the principle each one rests on, then what to do on Monday.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from bot.assessment.engine import AIR_GAP_GATE_RULE, BUILD_GATE_RULE, Assessment, Reason
from bot.assessment.questions import QUESTION_IDS, principle_name, verdict_name
from bot.i18n import t
from bot.vocabulary import VERDICTS

# The base plan for each verdict, in the order a team should do it.
NEXT_STEPS: dict[str, tuple[str, ...]] = {
    "buy": ("shortlist", "trial", "terms", "revisit"),
    "wrap": ("provider", "eval_set", "retrieval", "ship", "unit_cost"),
    "fine_tune": ("baseline", "eval_set", "data", "serving", "stop_rule"),
    "build": ("commit", "product", "demanding", "scale", "all_in"),
}
MAX_EXTRA_STEPS = 2
MAX_BARS_NAMED = 3  # past three, naming more bars adds length, not information


def _extra_steps(assessment: Assessment) -> list[str]:
    """Steps the answers call for whatever the verdict (a regulator, no team, a deadline...)."""
    answers, verdict, flags = assessment.answers, assessment.verdict, assessment.red_flags
    wanted = (
        ("air_gapped", answers.get("deployment") == "air_gapped"),
        ("regulated", answers.get("deployment") == "regulated" and verdict != "build"),
        ("no_talent", answers.get("talent") == "none" and verdict != "buy"),
        ("investors", "investor_driven" in flags),
        ("model_only", "model_without_product" in flags),
        ("weeks", "timeline_mismatch" in flags),
        ("commodity", "commodity_wrapper" in flags),
    )
    return [name for name, applies in wanted if applies][:MAX_EXTRA_STEPS]


def next_steps(assessment: Assessment, lang: str) -> list[str]:
    """What to do now: the verdict's plan, then what the specific answers add."""
    steps = [
        t(f"advisor.next_step.{assessment.verdict}.{s}", lang)
        for s in NEXT_STEPS[assessment.verdict]
    ]
    steps += [t(f"advisor.next_step.extra.{s}", lang) for s in _extra_steps(assessment)]
    return steps


def red_flag_text(flag: str, lang: str) -> str:
    return t(f"advisor.flag.{flag}", lang)


def red_flag_texts(assessment: Assessment, lang: str) -> list[str]:
    return [red_flag_text(flag, lang) for flag in assessment.red_flags]


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    comma, last = t("advisor.narrative.list_comma", lang), t("advisor.narrative.list_and", lang)
    return comma.join(items[:-1]) + last + items[-1]


def missing_bars(
    bars_missed: tuple[str, ...] | list[str], lang: str, limit: int = MAX_BARS_NAMED
) -> str:
    """The build bars a team misses, as one phrase ("over $100M and a complete product")."""
    named = [t(f"advisor.bar.{bar}", lang) for bar in bars_missed[:limit]]
    if len(bars_missed) > limit:
        named.append(t("advisor.narrative.list_more", lang))
    return _join(named, lang)


def ruled_out_lines(
    excluded: Mapping[str, str], bars_missed: Sequence[str], lang: str
) -> list[str]:
    """Why each verdict a gate closed is out (the build bars missed, or the air gap): a score
    of 0 alone would read as a judgement on the team rather than a rule."""
    lines = []
    for v in VERDICTS:
        if v not in excluded:
            continue
        name = t(f"advisor.verdict_short.{v}", lang)
        if excluded[v] not in (BUILD_GATE_RULE, AIR_GAP_GATE_RULE):
            lines.append(t(f"team.ruled_out.{excluded[v]}", lang, verdict=name))
        elif v == "build" and bars_missed:
            lines.append(
                t(
                    "advisor.slack.ruled_out_build",
                    lang,
                    verdict=name,
                    missing=missing_bars(list(bars_missed), lang, limit=len(bars_missed)),
                )
            )
        else:
            lines.append(t("advisor.slack.ruled_out_air_gap", lang, verdict=name))
    return lines


def reason_text(reason: Reason, assessment: Assessment, lang: str) -> str:
    return t(reason.key, lang, missing=missing_bars(assessment.bars_missed, lang))


def reason_texts(assessment: Assessment, lang: str) -> list[str]:
    return [reason_text(r, assessment, lang) for r in assessment.reasons]


def narrative(assessment: Assessment, lang: str) -> str:
    """The full advice, as Slack mrkdwn-friendly plain text."""
    verdict = assessment.verdict
    head = [
        t(
            "advisor.narrative.verdict",
            lang,
            verdict=verdict_name(verdict, lang),
            line=t(f"advisor.verdict_line.{verdict}", lang),
        ),
        t("advisor.narrative.confidence", lang, confidence=round(assessment.confidence * 100)),
    ]
    if assessment.missing:
        head.append(
            t(
                "advisor.narrative.blanks",
                lang,
                count=len(assessment.missing),
                total=len(QUESTION_IDS),
            )
        )
    sections = [" ".join(head)]
    if assessment.red_flags:
        sections.append(
            "\n".join(
                [t("advisor.narrative.flags", lang)]
                + [
                    t("advisor.narrative.bullet", lang, text=text)
                    for text in red_flag_texts(assessment, lang)
                ]
            )
        )
    sections.append(
        "\n".join(
            [t("advisor.narrative.reasons", lang)]
            + [
                t(
                    "advisor.narrative.reason",
                    lang,
                    text=text,
                    principle=principle_name(r.principle, lang),
                )
                for r, text in zip(assessment.reasons, reason_texts(assessment, lang), strict=True)
            ]
        )
    )
    sections.append(
        "\n".join(
            [t("advisor.narrative.steps", lang)]
            + [
                t("advisor.narrative.step", lang, number=i, text=text)
                for i, text in enumerate(next_steps(assessment, lang), start=1)
            ]
        )
    )
    sections.append(t(f"advisor.closing.{verdict}", lang))
    return "\n\n".join(sections)


def to_json(assessment: Assessment, lang: str = "en", advice: str | None = None) -> dict[str, Any]:
    """Exactly the contract's object; ``advice`` replaces the offline narrative (LLM text)."""
    return {
        "verdict": assessment.verdict,
        "confidence": round(assessment.confidence, 2),
        "scores": {v: round(assessment.scores[v], 2) for v in VERDICTS},
        "red_flags": [
            {"id": flag, "text": red_flag_text(flag, lang)} for flag in assessment.red_flags
        ],
        "reasons": [
            {"principle": r.principle, "text": text}
            for r, text in zip(assessment.reasons, reason_texts(assessment, lang), strict=True)
        ],
        "next_steps": next_steps(assessment, lang),
        "advice": advice if advice is not None else narrative(assessment, lang),
    }

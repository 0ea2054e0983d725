"""The fixed vocabulary of the assessment (ids from shared/spec/assessment.md) and its wording.

Ids never change: Slack modals, the terminal, stored assessments and the JSON interface all
speak them. Wording lives in ``bot/locales/<lang>/advisor.toml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.i18n import t

# Question id -> answer ids, in the order they are shown. For ordinal questions (budget,
# compute, talent, data, time_to_value, usage_volume) the order is also "less" to "more".
QUESTIONS: dict[str, tuple[str, ...]] = {
    "ai_role": ("is_the_product", "differentiator", "supporting", "exploring"),
    "motivation": ("mission", "economics", "control", "investors", "none"),
    "budget": ("under_100k", "100k_to_1m", "1m_to_10m", "10m_to_100m", "over_100m"),
    "compute": ("none", "on_demand", "dedicated_cluster", "frontier_scale"),
    "talent": ("none", "software_engineers", "ml_engineers", "research_lab"),
    "data": ("none", "domain_documents", "large_proprietary", "web_scale"),
    "time_to_value": ("weeks", "quarters", "years"),
    "deployment": ("any_cloud", "regulated", "air_gapped"),
    "differentiation": ("yes", "partly", "no"),
    "product": ("model_only", "product_planned", "full_product"),
    "usage_volume": ("low", "medium", "high"),
}
QUESTION_IDS: tuple[str, ...] = tuple(QUESTIONS)


RED_FLAGS: tuple[str, ...] = (
    "investor_driven",
    "underfunded_build",
    "model_without_product",
    "commodity_wrapper",
    "timeline_mismatch",
    "no_ai_talent",
)

PRINCIPLES: tuple[str, ...] = (
    "mission_or_nothing",
    "colossal_resources",
    "two_valid_reasons",
    "plug_into_the_grid",
    "product_not_model",
    "all_in",
    "hypercompetitive",
    "lever_not_burden",
)

# The multi-step modal: four pages, from "why AI at all" to "how fast and how wrapped".
PAGE_IDS: tuple[str, ...] = ("why", "means", "constraints", "delivery")
PAGES: list[list[str]] = [
    ["ai_role", "motivation", "differentiation"],
    ["budget", "compute", "talent"],
    ["data", "deployment", "usage_volume"],
    ["product", "time_to_value"],
]


@dataclass(frozen=True)
class Option:
    """One answer as shown to a user: its id, a short label and a one-line hint."""

    id: str
    label: str
    hint: str


def question_text(question: str, lang: str) -> str:
    return t(f"advisor.question.{question}", lang)


def answer_text(question: str, answer: str, lang: str) -> str:
    return t(f"advisor.answer.{question}.{answer}", lang)


def answer_hint(question: str, answer: str, lang: str) -> str:
    return t(f"advisor.answer_hint.{question}.{answer}", lang)


def options(question: str, lang: str) -> list[Option]:
    """The answers to show for ``question``, in order (every answer is always offered)."""
    return [
        Option(answer, answer_text(question, answer, lang), answer_hint(question, answer, lang))
        for answer in QUESTIONS[question]
    ]


def page_title(index: int, lang: str) -> str:
    """Title of page ``index`` (0-based) of the multi-step modal."""
    return t(f"advisor.page.{PAGE_IDS[index]}", lang)


def verdict_name(verdict: str, lang: str) -> str:
    return t(f"advisor.verdict.{verdict}", lang)


def principle_name(principle: str, lang: str) -> str:
    return t(f"advisor.principle.{principle}", lang)

"""The offline advisor: turns an :class:`Assessment` into blunt advice in the seed's voice.

This is the default writer and the fallback when the LLM is down, so it needs nothing but the
message catalog. Order follows the article: red flags first (what would sink you), then the
reasons with the principle each rests on, then what to do on Monday.

The advice is first planned as :class:`Line` items (message keys and their parameters), then
rendered in a language. Planning apart from wording lets the tests check, in every language
at once, that no line recommends or presupposes a path the engine ruled out
(:data:`PRESUPPOSES`), and that the steps come from what the team said (:data:`ANSWER_STEPS`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from bot.assessment.engine import (
    AIR_GAP_GATE_RULE,
    BUILD_BARS,
    BUILD_GATE_RULE,
    LEAST_BAD_RULE,
    RULES,
    Assessment,
    Reason,
    pretraining_in_play,
)
from bot.assessment.questions import QUESTION_IDS, principle_name, verdict_name
from bot.i18n import decimal, t
from bot.vocabulary import VERDICTS

MAX_BARS_NAMED = 3  # past three, naming more bars adds length, not information
MAX_ANSWER_STEPS = 4  # with the opening and the stop rule: six steps, a minute's reading

# Texts that recommend or presuppose a path: the line may be shown only while at least one of
# these verdicts is open ("Weeks means an API" needs wrap; "or buy instead" needs buy). Keys
# are message keys without the "advisor." prefix. Reviewed with the catalog: a new text that
# names a path belongs here.
PRESUPPOSES: dict[str, frozenset[str]] = {
    key: frozenset(verdicts)
    for key, verdicts in {
        "flag.timeline_mismatch": ("wrap",),
        "flag.no_ai_talent": ("buy",),
        "flag.underfunded_build": ("build", "fine_tune"),
        "reason.ai_differentiates": ("wrap",),
        "reason.budget_small": ("wrap",),
        "reason.budget_millions": ("wrap", "fine_tune"),
        "reason.integration_engineers": ("wrap",),
        "reason.no_ai_team": ("buy",),
        "reason.budget_tiny": ("buy",),
        "reason.ai_use_case_unknown": ("buy",),
        "reason.value_in_quarters": ("wrap", "fine_tune"),
        "reason.high_volume_without_ml": ("wrap",),
        "reason.high_volume_unit_cost": ("fine_tune",),
        "reason.ml_team": ("fine_tune",),
        "reason.rented_gpus": ("fine_tune",),
        "reason.dedicated_cluster": ("fine_tune",),
        "reason.domain_documents": ("wrap", "buy", "fine_tune"),
        "reason.large_proprietary_data": ("fine_tune",),
        "reason.model_is_the_moat": ("fine_tune", "build"),
        "reason.ai_moat_in_differentiator": ("fine_tune",),
        "reason.core_buy_grid": ("buy",),
        "reason.core_wrap": ("wrap",),
        "reason.core_fine_tune": ("fine_tune",),
        "reason.all_bars_cleared": ("build",),
        "reason.core_build": ("build",),
        "reason.core_build_mission": ("build",),
        "verdict_line_for.wrap_differentiator": ("wrap",),
        "verdict_line_for.wrap_supporting": ("wrap",),
        "verdict_line_for.wrap_is_the_product": ("wrap",),
        "step.buy_open": ("buy",),
        "step.buy_open_on_prem": ("buy",),
        "step.buy_open_no_staff": ("buy",),
        "step.wrap_open_regulated": ("wrap",),
        "step.wrap_stop_low": ("wrap", "fine_tune"),
        "step.wrap_stop_medium": ("wrap", "fine_tune"),
        "step.wrap_stop_high": ("wrap", "fine_tune"),
        "step.compute_cluster_fallback": ("wrap",),
        "step.buy_stop": ("buy", "wrap"),
        "step.buy_stop_air_gapped": ("buy", "fine_tune"),
        "step.wrap_open": ("wrap",),
        "step.wrap_stop": ("wrap", "fine_tune"),
        "step.fine_tune_open": ("fine_tune",),
        "step.fine_tune_stop": ("fine_tune",),
        "step.build_open": ("build",),
        "step.build_stop": ("build",),
        "step.timeline_api": ("wrap",),
        "step.investors_product_first": ("wrap", "buy"),
    }.items()
}


@dataclass(frozen=True)
class Line:
    """One sentence to render: a message key and what fills it.

    ``bars`` fills ``{missing}`` with the build bars named; ``verdict`` and ``score`` fill a
    score line; ``inner`` fills ``{text}`` with another line (a rule's reason on a score line).
    """

    key: str
    bars: tuple[str, ...] = ()
    bars_limit: int = MAX_BARS_NAMED
    verdict: str | None = None
    score: float | None = None
    inner: Line | None = None

    def render(self, lang: str) -> str:
        params: dict[str, Any] = {"missing": missing_bars(self.bars, lang, self.bars_limit)}
        if self.verdict is not None:
            params["verdict"] = t(f"advisor.verdict_short.{self.verdict}", lang)
        if self.score is not None:
            params["score"] = decimal(self.score, lang)
        if self.inner is not None:
            params["text"] = self.inner.render(lang)
        return t(self.key, lang, **params)

    def message_keys(self) -> list[str]:
        return [self.key] + (self.inner.message_keys() if self.inner else [])


@dataclass(frozen=True)
class Plan:
    """Everything the advice says, as lines, before it is put into words."""

    verdict: str
    verdict_line: Line
    flags: tuple[tuple[str, Line], ...]
    reasons: tuple[tuple[Reason, Line], ...]
    steps: tuple[Line, ...]
    scores: tuple[Line, ...]  # one per verdict, in VERDICTS order
    zero_scores: tuple[Line, ...]  # the score lines of the verdicts at 0.00
    closing: Line | None
    missing: int = 0

    def lines(self) -> list[Line]:
        out = [self.verdict_line, *(ln for _, ln in self.flags)]
        out += [ln for _, ln in self.reasons] + list(self.steps) + list(self.scores)
        return out + ([self.closing] if self.closing else [])


def _open(assessment: Assessment) -> frozenset[str]:
    return frozenset(v for v in VERDICTS if v not in assessment.excluded)


def allowed(key: str, assessment: Assessment) -> bool:
    """Whether a text may be shown: it presupposes nothing, or a path still open."""
    needs = PRESUPPOSES.get(key.removeprefix("advisor."))
    return needs is None or bool(needs & _open(assessment))


# --------------------------------------------------------------------------------------------
# Red flags: the contract says when each is raised; the wording follows where the team went.
# --------------------------------------------------------------------------------------------

MEANS_BARS = ("capital", "compute", "talent")


def _short_means(answers: Mapping[str, str]) -> tuple[str, ...]:
    """The pre-training means (capital, compute, talent) the team answered and falls short of."""
    return tuple(
        bar
        for bar in MEANS_BARS
        if BUILD_BARS[bar][0] in answers and answers[BUILD_BARS[bar][0]] not in BUILD_BARS[bar][1]
    )


def _flag_line(flag: str, assessment: Assessment) -> Line:
    answers = assessment.answers
    if flag == "underfunded_build":
        clipped = {v: round(s * 100) for v, s in assessment.scores.items()}
        if pretraining_in_play(answers, clipped):
            return Line("advisor.flag.underfunded_build", bars=_short_means(answers))
        return Line("advisor.flag.underfunded_owning")
    if flag == "timeline_mismatch" and not allowed("flag.timeline_mismatch", assessment):
        return Line("advisor.flag.timeline_mismatch_no_api")
    if flag == "no_ai_talent" and not allowed("flag.no_ai_talent", assessment):
        return Line("advisor.flag.no_ai_talent_partner")
    return Line(f"advisor.flag.{flag}")


def red_flag_text(flag: str, lang: str, assessment: Assessment | None = None) -> str:
    if assessment is None:
        return t(f"advisor.flag.{flag}", lang)
    return _flag_line(flag, assessment).render(lang)


def red_flag_texts(assessment: Assessment, lang: str) -> list[str]:
    return [_flag_line(f, assessment).render(lang) for f in assessment.red_flags]


# --------------------------------------------------------------------------------------------
# Next steps: an opening for the verdict, one action per relevant answer, a stop rule.
# --------------------------------------------------------------------------------------------

# (question, answer) -> {verdict or "*": step name}. One concrete action per answer that
# matters for the verdict; an answer absent here, or without a step for the verdict, adds none.
# fmt: off
ANSWER_STEPS: dict[tuple[str, str], dict[str, str]] = {
    ("deployment", "regulated"): {"buy": "regulated_vendor",
                                  "fine_tune": "regulated_private", "build": "regulated_audit"},
    ("deployment", "air_gapped"): {"buy": "air_gapped_updates", "fine_tune": "air_gapped_hardware",
                                   "build": "air_gapped_hardware"},
    ("talent", "none"): {"buy": "talent_none_owner", "wrap": "talent_none_hire",
                         "fine_tune": "talent_none_hire"},
    ("talent", "software_engineers"): {"buy": "talent_swe_wire", "wrap": "talent_swe_eval",
                                       "fine_tune": "talent_swe_ml"},
    # An ML team tuning: the stop rule already gives it its target.
    ("talent", "ml_engineers"): {"wrap": "talent_ml_eval"},
    ("talent", "research_lab"): {"fine_tune": "talent_lab_distil", "build": "talent_lab_curves"},
    ("product", "model_only"): {"*": "product_model_only"},
    ("product", "product_planned"): {"wrap": "product_planned_first",
                                     "fine_tune": "product_planned_base",
                                     "buy": "product_planned_buy"},
    ("data", "none"): {"wrap": "data_none_collect", "fine_tune": "data_none_examples"},
    ("data", "domain_documents"): {"buy": "data_docs_buy", "wrap": "data_docs_index",
                                   "fine_tune": "data_docs_retrieval"},
    ("data", "large_proprietary"): {"buy": "data_large_terms", "wrap": "data_large_keep",
                                    "fine_tune": "data_large_clean"},
    ("data", "web_scale"): {"fine_tune": "data_web_curate", "build": "data_web_licences"},
    ("compute", "dedicated_cluster"): {"wrap": "compute_cluster_fallback"},
    ("compute", "frontier_scale"): {"build": "compute_frontier_reserve"},
    ("motivation", "investors"): {"buy": "investors_product_first",
                                  "wrap": "investors_product_first",
                                  "fine_tune": "investors_adapted"},
    ("motivation", "control"): {"buy": "control_vendor", "wrap": "control_provider",
                                "fine_tune": "control_write_down"},
    ("motivation", "economics"): {"wrap": "economics_numbers", "fine_tune": "economics_numbers",
                                  "build": "economics_numbers"},
    ("motivation", "mission"): {"build": "mission_sentence", "fine_tune": "mission_gap"},
    ("time_to_value", "weeks"): {"buy": "weeks_buy", "wrap": "weeks_ship",
                                 "fine_tune": "weeks_base_first"},
    ("time_to_value", "quarters"): {"buy": "quarters_buy", "wrap": "quarters_wrap",
                                    "fine_tune": "quarters_tune"},
    ("time_to_value", "years"): {"fine_tune": "years_product", "build": "years_milestones"},
    ("usage_volume", "low"): {"fine_tune": "volume_low_control"},
    ("usage_volume", "high"): {"buy": "volume_high_licence", "fine_tune": "volume_high_compare",
                               "build": "volume_high_serve"},
    ("differentiation", "yes"): {"wrap": "moat_find", "fine_tune": "moat_find"},
    ("differentiation", "no"): {"fine_tune": "moat_keep", "build": "moat_keep"},
}
# fmt: on
# The order answers are turned into steps: what decides feasibility first.
STEP_ORDER: tuple[str, ...] = (
    "deployment",
    "talent",
    "product",
    "motivation",
    "data",
    "compute",
    "time_to_value",
    "usage_volume",
    "differentiation",
)
# The first and last steps follow the answer that shapes them most: how a fine-tune starts
# depends on the GPUs, how a wrap starts on the rules its provider must meet, when a wrap should
# stop and think of tuning on its volume. verdict -> (question, {answer: step}, default step).
OPENINGS: dict[str, tuple[str, dict[str, str], str]] = {
    "buy": ("talent", {"none": "buy_open_no_staff"}, "buy_open"),
    "wrap": ("deployment", {"regulated": "wrap_open_regulated"}, "wrap_open"),
    "fine_tune": (
        "compute",
        {
            "none": "fine_tune_open_no_gpu",
            "on_demand": "fine_tune_open_rented",
            "dedicated_cluster": "fine_tune_open_cluster",
            "frontier_scale": "fine_tune_open_frontier",
        },
        "fine_tune_open",
    ),
    "build": ("compute", {}, "build_open"),
}
STOPS: dict[str, tuple[str, dict[str, str], str]] = {
    "buy": ("deployment", {"air_gapped": "buy_stop_air_gapped"}, "buy_stop"),
    "wrap": (
        "usage_volume",
        {"low": "wrap_stop_low", "medium": "wrap_stop_medium", "high": "wrap_stop_high"},
        "wrap_stop",
    ),
    "fine_tune": (
        "data",
        {
            "none": "fine_tune_stop_no_data",
            "domain_documents": "fine_tune_stop_documents",
            "web_scale": "fine_tune_stop_web",
        },
        "fine_tune_stop",
    ),
    "build": ("talent", {}, "build_stop"),
}
# A step that fits only some contexts gets a variant under an air gap.
AIR_GAPPED_VARIANTS = {
    "fine_tune_open_no_gpu": "fine_tune_open_no_gpu_on_prem",
    "buy_open": "buy_open_on_prem",
    "buy_open_no_staff": "buy_open_on_prem",
}


def _pick_step(table: tuple[str, dict[str, str], str], answers: dict[str, str] | Any) -> str:
    question, by_answer, default = table
    return by_answer.get(answers.get(question, ""), default)


def _step_names(assessment: Assessment) -> list[str]:
    answers, verdict = assessment.answers, assessment.verdict
    air_gapped = answers.get("deployment") == "air_gapped"
    opening = _pick_step(OPENINGS[verdict], answers)
    if air_gapped:
        opening = AIR_GAPPED_VARIANTS.get(opening, opening)
    chosen: list[str] = []
    for question in STEP_ORDER:
        by_verdict = ANSWER_STEPS.get((question, answers.get(question, "")), {})
        name = by_verdict.get(verdict) or by_verdict.get("*")
        if name is None:
            continue
        if name not in chosen and allowed(f"step.{name}", assessment):
            chosen.append(name)
    # Under an air gap, "build on a model then" would name the path the gap closed.
    stop = _pick_step(STOPS[verdict], answers)
    # Many red flags already make a long answer: fewer steps keep it to a minute's reading.
    room = MAX_ANSWER_STEPS - max(0, min(3, len(assessment.red_flags) - 2))
    return [opening, *chosen[:room], stop]


def _step_lines(assessment: Assessment) -> tuple[Line, ...]:
    short = _short_means(assessment.answers)
    return tuple(Line(f"advisor.step.{name}", bars=short) for name in _step_names(assessment))


def next_steps(assessment: Assessment, lang: str) -> list[str]:
    """What to do now: open the verdict's path, one action per relevant answer, a stop rule."""
    return [line.render(lang) for line in _step_lines(assessment)]


# --------------------------------------------------------------------------------------------
# Scores: one line each, saying why (a gate, the rule that weighed most, or the least bad)
# --------------------------------------------------------------------------------------------

_RULES = {rule.name: rule for rule in RULES}


def _rule_line(name: str) -> Line:
    return Line(f"advisor.reason.{name}")


# A rule whose text says what a raised red flag already says: the score line takes the next one.
SAID_BY_FLAG = {
    "investor_pressure": "investor_driven",
    "model_without_product": "model_without_product",
    "same_api_same_product": "commodity_wrapper",
}


def _best_rule(
    assessment: Assessment,
    verdict: str,
    sign: int,
    used: set[str] | None = None,
    fresh_only: bool = False,
) -> str | None:
    """The rule that moved ``verdict`` most in direction ``sign`` and whose text may be shown."""
    moves = [
        c
        for c in assessment.contributions
        if c.verdict == verdict
        and c.rule in _RULES
        and sign * c.points > 0
        and SAID_BY_FLAG.get(c.rule) not in assessment.red_flags
    ]
    # A rule already given as a reason would be said twice: prefer one that adds something.
    said = (
        set()
        if sign > 0 and verdict == assessment.verdict
        else {r.rule for r in assessment.reasons}
    ) | (used or set())
    ranked = sorted(moves, key=lambda c: (c.rule in said, -abs(c.points)))
    for c in ranked:
        if fresh_only and c.rule in (used or set()):
            continue
        if allowed(f"reason.{c.rule}", assessment):
            if used is not None:
                used.add(c.rule)
            return c.rule
    return None


def _gate_line(gate: str, verdict: str, assessment: Assessment, used: set[str]) -> Line:
    score = assessment.scores[verdict]
    if gate == BUILD_GATE_RULE:
        clipped = {v: round(s * 100) for v, s in assessment.scores.items()}
        if pretraining_in_play(assessment.answers, clipped):
            return Line(
                "advisor.score.build_gate",
                verdict=verdict,
                score=score,
                bars=assessment.bars_missed,
            )
        worst = _best_rule(assessment, verdict, -1, used)
        if worst is None:
            return Line("advisor.score.build_not_in_play", verdict=verdict, score=score)
        return Line(
            "advisor.score.ruled_out", verdict=verdict, score=score, inner=_rule_line(worst)
        )
    if gate == AIR_GAP_GATE_RULE:
        return Line("advisor.score.air_gap", verdict=verdict, score=score)
    return Line(f"team.score.{gate}", verdict=verdict, score=score)


def _score_line(verdict: str, assessment: Assessment, used: set[str]) -> Line:
    score = assessment.scores[verdict]
    if verdict in assessment.excluded:
        return _gate_line(assessment.excluded[verdict], verdict, assessment, used)
    if verdict == assessment.verdict:
        if any(c.rule == LEAST_BAD_RULE for c in assessment.contributions):
            return Line("advisor.score.least_bad", verdict=verdict, score=score)
        best = _best_rule(assessment, verdict, +1, used)
        if best is None:
            return Line("advisor.score.verdict_prior", verdict=verdict, score=score)
        return Line("advisor.score.verdict", verdict=verdict, score=score, inner=_rule_line(best))
    # A path that is not the verdict: what holds it back answers "why not this one?"; only a
    # score nothing holds back is explained by what lifts it.
    best = _best_rule(assessment, verdict, -1, used)
    if best is None and score > 0:
        lifts = _best_rule(assessment, verdict, +1, used, fresh_only=True)
        if lifts is None:
            return Line("advisor.score.little_for", verdict=verdict, score=score)
        best = lifts
    if best is None:
        key = "advisor.score.nothing_for" if score == 0 else "advisor.score.prior_only"
        return Line(key, verdict=verdict, score=score)
    return Line("advisor.score.other", verdict=verdict, score=score, inner=_rule_line(best))


def score_lines(assessment: Assessment, lang: str, only_zero: bool = False) -> list[str]:
    """One line per score saying why ("Buy 0.00: ..."); ``only_zero`` keeps the 0.00 ones."""
    return [
        line.render(lang)
        for v, line in zip(VERDICTS, _score_lines(assessment), strict=True)
        if not only_zero or assessment.scores[v] == 0
    ]


def _score_lines(assessment: Assessment) -> tuple[Line, ...]:
    """The four score lines; a rule explains one score only, so no line repeats another."""
    used: set[str] = set()
    return tuple(_score_line(v, assessment, used) for v in VERDICTS)


# --------------------------------------------------------------------------------------------
# The plan and its rendering
# --------------------------------------------------------------------------------------------

# The slogan each verdict's closing line carries: it is dropped when a reason already cites
# that principle (a slogan appears at most once per answer) or two principles are cited.
# Build has none: its headline already says "if you're going to go all in, go all in".
CLOSING_PRINCIPLE: dict[str, str | None] = {
    "buy": "lever_not_burden",
    "wrap": "product_not_model",
    "fine_tune": "product_not_model",
    "build": None,
}


def closing_shown(verdict: str, cited: set[str]) -> bool:
    """The closing slogan ends a short answer; after two principles it would be a third."""
    principle = CLOSING_PRINCIPLE[verdict]
    return principle is not None and principle not in cited and len(cited) < 2


# The headline follows why the team is here when that changes what the verdict means to it:
# (verdict, question) -> the answers with a headline of their own.
VERDICT_LINES: dict[tuple[str, str], frozenset[str]] = {
    ("wrap", "ai_role"): frozenset({"differentiator", "supporting", "is_the_product"}),
    ("fine_tune", "motivation"): frozenset({"control", "economics"}),
    ("buy", "ai_role"): frozenset({"exploring", "supporting"}),
}


def _verdict_line(assessment: Assessment) -> Line:
    verdict = assessment.verdict
    for (v, question), answers in VERDICT_LINES.items():
        answer = assessment.answers.get(question)
        if v == verdict and answer in answers:
            return Line(f"advisor.verdict_line_for.{verdict}_{answer}")
    return Line(f"advisor.verdict_line.{verdict}")


def headline(assessment: Assessment, lang: str) -> str:
    """The verdict's one-line headline for this team (Slack's result card shows it too)."""
    return _verdict_line(assessment).render(lang)


def plan(assessment: Assessment) -> Plan:
    verdict = assessment.verdict
    reasons = tuple((r, Line(r.key, bars=assessment.bars_missed)) for r in assessment.reasons)
    cited = {r.principle for r in assessment.reasons}
    scores = _score_lines(assessment)
    return Plan(
        verdict=verdict,
        verdict_line=_verdict_line(assessment),
        flags=tuple((f, _flag_line(f, assessment)) for f in assessment.red_flags),
        reasons=reasons,
        steps=_step_lines(assessment),
        scores=scores,
        zero_scores=tuple(
            line for v, line in zip(VERDICTS, scores, strict=True) if assessment.scores[v] == 0
        ),
        closing=Line(f"advisor.closing.{verdict}") if closing_shown(verdict, cited) else None,
        missing=len(assessment.missing),
    )


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
    """Why each verdict a gate closed is out, from stored ids alone (results stored before
    ``score_notes`` existed): a score of 0 alone would read as a judgement on the team."""
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
    return Line(reason.key, bars=assessment.bars_missed).render(lang)


def reason_texts(assessment: Assessment, lang: str) -> list[str]:
    return [reason_text(r, assessment, lang) for r in assessment.reasons]


def reason_lines(pairs: Sequence[tuple[str, str]], lang: str) -> list[str]:
    """Reasons as bullets, grouped by principle, each principle named once after its group:
    the same tag after every bullet turned a slogan into a refrain."""
    order: list[str] = []
    texts: dict[str, list[str]] = {}
    for principle, text in pairs:
        if principle not in texts:
            order.append(principle)
            texts[principle] = []
        texts[principle].append(text)
    return [
        t(
            "advisor.narrative.reason",
            lang,
            text=" ".join(texts[p]),
            principle=principle_name(p, lang) if p else "",
        )
        for p in order
    ]


_BOLD = re.compile(r"(?<![\w*])\*([^*\n]+)\*(?![\w*])")
_ITALIC = re.compile(r"(?<![\w_])_([^_\n]+)_(?![\w_])")


def plain(text: str) -> str:
    """Slack mrkdwn to plain text for the terminal: ``*bold*`` and ``_italic_`` lose their marks."""
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", text))


def narrative(assessment: Assessment, lang: str, *, with_scores: bool = True) -> str:
    """The full advice, as Slack mrkdwn; ``with_scores=False`` leaves out the lines on the
    scores at 0.00 (the terminal prints every score's line above the narrative)."""
    p = plan(assessment)
    head = [
        t(
            "advisor.narrative.verdict",
            lang,
            verdict=verdict_name(p.verdict, lang),
            line=p.verdict_line.render(lang),
        ),
        t("advisor.narrative.confidence", lang, confidence=round(assessment.confidence * 100)),
    ]
    if not assessment.answers:
        head.append(t("advisor.narrative.nothing_answered", lang))
    elif p.missing:
        head.append(t("advisor.narrative.blanks", lang, count=p.missing, total=len(QUESTION_IDS)))
    sections = [" ".join(head)]
    if with_scores and p.zero_scores:
        sections.append("\n".join(line.render(lang) for line in p.zero_scores))
    if p.flags:
        sections.append(
            "\n".join(
                [t("advisor.narrative.flags", lang)]
                + [t("advisor.narrative.bullet", lang, text=ln.render(lang)) for _, ln in p.flags]
            )
        )
    # The build gate's reason says what its score line above already says.
    shown = [(r, ln) for r, ln in p.reasons if not (with_scores and r.rule == BUILD_GATE_RULE)]
    sections.append(
        "\n".join(
            [t("advisor.narrative.reasons", lang)]
            + reason_lines([(r.principle, ln.render(lang)) for r, ln in shown], lang)
        )
    )
    sections.append(
        "\n".join(
            [t("advisor.narrative.steps", lang)]
            + [
                t("advisor.narrative.step", lang, number=i, text=line.render(lang))
                for i, line in enumerate(p.steps, start=1)
            ]
        )
    )
    if p.closing is not None:
        sections.append(p.closing.render(lang))
    return "\n\n".join(sections)


def to_json(assessment: Assessment, lang: str = "en", advice: str | None = None) -> dict[str, Any]:
    """Exactly the contract's object; ``advice`` replaces the offline narrative (LLM text)."""
    return {
        "verdict": assessment.verdict,
        "confidence": round(assessment.confidence, 2),
        "scores": {v: round(assessment.scores[v], 2) for v in VERDICTS},
        "red_flags": [
            {"id": flag, "text": _flag_line(flag, assessment).render(lang)}
            for flag in assessment.red_flags
        ],
        "reasons": [
            {"principle": r.principle, "text": text}
            for r, text in zip(assessment.reasons, reason_texts(assessment, lang), strict=True)
        ],
        "next_steps": next_steps(assessment, lang),
        "advice": advice if advice is not None else narrative(assessment, lang),
    }

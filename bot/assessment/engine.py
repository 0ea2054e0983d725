"""The deterministic build-vs-buy engine: answers in, an explainable verdict out.

Every point comes from a named rule in :data:`RULES` (a table, not a chain of ifs), and each
rule cites one principle of the seed article. Two hard gates sit on top of the points, because
some answers rule a verdict out whatever else is said:

* ``build`` (pre-training a foundation model) needs *every* bar in :data:`BUILD_BARS`;
  recommending it to anyone else is the worst error the advisor can make.
* ``air_gapped`` forbids building on an external model API (``wrap``). Buying stays open: a
  product bought and installed on premises is a real option for such a team.

Scores are ``prior + sum of points`` clipped to 0..1; the verdict is the best verdict the gates
allow. A verdict a gate closed is shown at :data:`EXCLUDED_CEILING` at most, so it can never
outscore the verdict the user is given; and when every open verdict's points fall to 0 the
verdict (the least bad) is shown at :data:`LEAST_BAD_SCORE`, so "every score 0.00" never reads
as a verdict.
Points are kept in hundredths (integers) so sums are exact and the same on every machine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.assessment.questions import QUESTION_IDS, QUESTIONS, RED_FLAGS
from bot.i18n import t
from bot.vocabulary import VERDICTS

# 1.1.0: a verdict a gate closed never outscores the verdict.
# 1.2.0: the air gap closes wrap only (a product bought and installed on premises stays open);
# the verdict never shows 0 (LEAST_BAD_SCORE); principle tags come from EVIDENCE.
ENGINE_VERSION = "1.2.0"

# On equal scores, prefer the lighter commitment: plugging into the grid beats owning a plant.
TIE_PREFERENCE: tuple[str, ...] = ("wrap", "buy", "fine_tune", "build")


class AnswerError(ValueError):
    """Answers that do not follow the contract; the message names the bad id and the valid ones.

    ``key`` and ``params`` let the terminal and Slack show the same error in the user's language.
    """

    def __init__(self, key: str, **params: str) -> None:
        self.key = f"advisor.error.{key}"
        self.params = params
        super().__init__(self.localized("en"))

    def localized(self, lang: str) -> str:
        params = dict(self.params)
        if "got" in params:
            params["got"] = t(f"advisor.json_type.{params['got']}", lang)
        return t(self.key, lang, **params)


def _json_type(value: object) -> str:
    """The JSON name of a value's type, for error messages about a JSON document."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list | tuple) else "other"


def validate_answers(raw: object) -> dict[str, str]:
    """Check ``raw`` is a mapping of known question ids to their known answer ids.

    Missing questions are fine (they lower confidence); anything unknown is an error.
    """
    if not isinstance(raw, Mapping):
        raise AnswerError("not_an_object", got=_json_type(raw))
    valid_questions = ", ".join(QUESTION_IDS)
    answers: dict[str, str] = {}
    for question, answer in raw.items():
        if not isinstance(question, str) or question not in QUESTIONS:
            raise AnswerError("unknown_question", id=str(question), valid=valid_questions)
        choices = ", ".join(QUESTIONS[question])
        if not isinstance(answer, str):
            raise AnswerError(
                "answer_not_text", question=question, got=_json_type(answer), valid=choices
            )
        if answer not in QUESTIONS[question]:
            raise AnswerError("unknown_answer", question=question, id=answer, valid=choices)
        answers[question] = answer
    return answers


# --------------------------------------------------------------------------------------------
# The rule table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One named piece of judgement: when every condition holds, add points to verdicts.

    ``when`` maps a question to the answers that satisfy it; an unanswered question never
    satisfies a condition, so a rule only fires on what the team actually said.
    """

    name: str
    principle: str | None  # from EVIDENCE; None: never cited as a reason
    when: Mapping[str, frozenset[str]]
    points: Mapping[str, int]  # hundredths of a score

    @property
    def reason_key(self) -> str:
        return f"advisor.reason.{self.name}"

    def matches(self, answers: Mapping[str, str]) -> bool:
        return all(answers.get(q) in accepted for q, accepted in self.when.items())


# --------------------------------------------------------------------------------------------
# EVIDENCE: the one reviewed table of principle tags
# --------------------------------------------------------------------------------------------
# Which answers (named by the rule that reads them) evidence which principle of the seed, and
# why. A reason shown to a user carries the principle of its row and no other; a row whose
# answers evidence no principle (None) still moves the scores but is never cited as a reason:
# its explanation is the score line ("why Wrap is 0.00"). Reviewed in issue 14: the air gap is
# not "all in" (that is about pre-training), and the need for control is a deployment reason,
# not "plug into the grid".
# fmt: off
EVIDENCE: dict[str, tuple[str | None, str]] = {
    # rule or reason name: (principle, why the answers behind it evidence that principle)
    "ai_is_the_product": ("hypercompetitive", "selling the model itself puts you in the race"),
    "ai_differentiates": ("plug_into_the_grid", "your edge is the application, on a rented model"),
    "ai_supports_the_business": ("lever_not_burden", "AI as a tool for concrete problems"),
    "ai_use_case_unknown": ("lever_not_burden", "learn where AI helps before owning anything"),
    "conviction_mission": ("mission_or_nothing", "the seed's first valid reason, in its words"),
    "conviction_economics": ("two_valid_reasons", "the cash machine, the other valid reason"),
    "control_constraints": ("two_valid_reasons", "control is neither of the two reasons"),
    "investor_pressure": ("two_valid_reasons", "venture money or a trend is not a reason"),
    "no_model_ambition": ("plug_into_the_grid", "no reason to own: use the grid"),
    "budget_tiny": ("lever_not_burden", "money for tools, not for engineering"),
    "budget_small": ("plug_into_the_grid", "enough to build on an API, not to own a model"),
    "budget_millions": ("plug_into_the_grid", "a serious product on existing models"),
    "budget_tens_of_millions": ("colossal_resources", "adaptation money, far from pre-training"),
    "budget_colossal": ("colossal_resources", "the capital a foundation model eats"),
    "budget_far_below_pretraining": ("colossal_resources", "pre-training's capital bar"),
    "no_gpu_access": ("plug_into_the_grid", "without hardware, the grid is the way"),
    "rented_gpus": ("plug_into_the_grid", "rented power, not a plant"),
    "dedicated_cluster": ("colossal_resources", "hundreds of GPUs: not the colossal scale"),
    "frontier_compute": ("colossal_resources", "the compute bar of pre-training"),
    "compute_far_below_pretraining": ("colossal_resources", "pre-training's compute bar"),
    "no_ai_team": ("lever_not_burden", "don't start what you can't staff"),
    "integration_engineers": ("plug_into_the_grid", "integrating an API is wrapping"),
    "ml_team": ("plug_into_the_grid", "adapting an existing model still uses the grid"),
    "research_lab_team": ("colossal_resources", "the talent bar of pre-training"),
    "talent_far_below_pretraining": ("colossal_resources", "pre-training's talent bar"),
    "no_proprietary_data": ("plug_into_the_grid", "nothing to train on: use what exists"),
    "domain_documents": ("lever_not_burden", "value from using AI on your own problems"),
    "large_proprietary_data": ("hypercompetitive", "the edge competitors cannot copy"),
    "web_scale_data": ("colossal_resources", "data at the scale of pre-training"),
    "value_in_weeks": ("plug_into_the_grid", "the grid is faster"),
    "value_in_quarters": ("plug_into_the_grid", "time to ship on an existing model"),
    "multi_year_horizon": ("all_in", "going all in takes years"),
    "air_gapped_no_external_api": (None, "a deployment rule, not a principle"),
    "regulated_vetted_only": (None, "a compliance rule, not a principle"),
    "same_api_same_product": ("hypercompetitive", "no moat in a hyper-competitive market"),
    "commodity_use": ("lever_not_burden", "not where you compete"),
    "model_is_the_moat": ("hypercompetitive", "the moat is the model"),
    "ai_moat_in_differentiator": ("hypercompetitive", "an edge a public API cannot match"),
    "model_without_product": ("product_not_model", "a model alone is not enough"),
    "product_still_planned": ("product_not_model", "the product comes first"),
    "complete_product": ("product_not_model", "the product is where value lands"),
    "low_volume": ("plug_into_the_grid", "API prices are noise at this scale"),
    "high_volume_unit_cost": ("hypercompetitive", "unit cost decides the margin"),
    "high_volume_without_ml": ("plug_into_the_grid", "volume pricing before hosting"),
    "all_bars_cleared": ("all_in", "every bar cleared: half-measures would waste it"),
    # Not answers but the verdict itself and its gate:
    "build_bars_missed": ("colossal_resources", "pre-training takes every bar"),
    "least_bad": ("lever_not_burden", "nothing fits well: start with the lightest commitment"),
    "core_buy": ("lever_not_burden", "the seed on buying"),
    "core_buy_grid": ("plug_into_the_grid", "someone already built it"),
    "core_wrap": ("plug_into_the_grid", "the seed's own recommendation"),
    "core_wrap_product": ("product_not_model", "customers pay for a product"),
    "core_fine_tune": ("plug_into_the_grid", "adapting an existing model, not building one"),
    "core_fine_tune_product": ("product_not_model", "the tuned model is one brick"),
    "core_build": ("all_in", "the seed's all-in"),
    "core_build_mission": ("mission_or_nothing", "a mission bigger than the company"),
}
# fmt: on


def _rule(name: str, when: Mapping[str, str | tuple[str, ...]], **points: float) -> Rule:
    """A rule whose principle comes from :data:`EVIDENCE`, the one table of principle tags."""
    conditions = {q: frozenset((a,) if isinstance(a, str) else a) for q, a in when.items()}
    return Rule(name, EVIDENCE[name][0], conditions, {v: round(p * 100) for v, p in points.items()})


# The bars a team must clear before pre-training is even discussed (seed article: mission or
# cash-machine conviction, colossal capital and compute, people who have done it, a complete
# product, and the patience of years). Each bar: (question, answers that clear it).
BUILD_BARS: dict[str, tuple[str, frozenset[str]]] = {
    "conviction": ("motivation", frozenset({"mission", "economics"})),
    "capital": ("budget", frozenset({"over_100m"})),
    "compute": ("compute", frozenset({"frontier_scale"})),
    "talent": ("talent", frozenset({"research_lab"})),
    "product": ("product", frozenset({"full_product"})),
    "horizon": ("time_to_value", frozenset({"years"})),
}
BAR_QUESTIONS: frozenset[str] = frozenset(q for q, _ in BUILD_BARS.values())

AIR_GAP_EXCLUDES: tuple[str, ...] = ("wrap",)

# Hundredths. The most a gated verdict may show. A constant (rather than "just below the verdict")
# keeps every score monotone: min(score, constant) moves only the way the score moves.
EXCLUDED_CEILING = 0
# Hundredths. What the verdict shows when every open verdict scored 0: the least bad of them.
LEAST_BAD_SCORE = 5
LEAST_BAD_RULE = "least_bad"

# Where every team starts: most should plug into the grid, almost nobody should build a plant.
PRIORS: dict[str, int] = {"buy": 25, "wrap": 35, "fine_tune": 10, "build": 0}

OWNING_ROLES = ("is_the_product", "differentiator")

# fmt: off
RULES: tuple[Rule, ...] = (
    # --- what AI is to the business ---------------------------------------------------------
    _rule("ai_is_the_product", {"ai_role": "is_the_product"},
          buy=-0.30, wrap=0.05, fine_tune=0.10, build=0.05),
    _rule("ai_differentiates", {"ai_role": "differentiator"},
          buy=-0.15, wrap=0.15),
    _rule("ai_supports_the_business", {"ai_role": "supporting"},
          buy=0.15, wrap=0.05, fine_tune=-0.10, build=-0.30),
    _rule("ai_use_case_unknown", {"ai_role": "exploring"},
          buy=0.45, wrap=-0.20, fine_tune=-0.20, build=-0.40),
    # --- why owning a model is on the table ---------------------------------------------------
    _rule("conviction_mission", {"motivation": "mission"},
          build=0.15),
    _rule("conviction_economics", {"motivation": "economics"},
          fine_tune=0.10, build=0.10),
    _rule("control_constraints", {"motivation": "control"},
          fine_tune=0.20, build=-0.30),
    _rule("investor_pressure", {"motivation": "investors"},
          fine_tune=-0.15, build=-0.40),
    _rule("no_model_ambition", {"motivation": "none"},
          fine_tune=-0.05, build=-0.30),
    # --- money ----------------------------------------------------------------------------------
    _rule("budget_tiny", {"budget": "under_100k"},
          buy=0.25, wrap=-0.05, fine_tune=-0.25),
    _rule("budget_small", {"budget": "100k_to_1m"},
          wrap=0.10, fine_tune=-0.05),
    _rule("budget_millions", {"budget": "1m_to_10m"},
          wrap=0.05, fine_tune=0.05),
    _rule("budget_tens_of_millions", {"budget": "10m_to_100m"},
          fine_tune=0.10, build=-0.15),
    _rule("budget_colossal", {"budget": "over_100m"},
          fine_tune=0.10, build=0.20),
    _rule("budget_far_below_pretraining",
          {"budget": ("under_100k", "100k_to_1m", "1m_to_10m")},
          build=-0.30),
    # --- compute --------------------------------------------------------------------------------
    _rule("no_gpu_access", {"compute": "none"},
          fine_tune=-0.20),
    _rule("rented_gpus", {"compute": "on_demand"},
          fine_tune=0.05),
    _rule("dedicated_cluster", {"compute": "dedicated_cluster"},
          fine_tune=0.20, build=-0.15),
    _rule("frontier_compute", {"compute": "frontier_scale"},
          fine_tune=0.10, build=0.20),
    _rule("compute_far_below_pretraining",
          {"compute": ("none", "on_demand")},
          build=-0.30),
    # --- people ---------------------------------------------------------------------------------
    _rule("no_ai_team", {"talent": "none"},
          buy=0.35, wrap=-0.10, fine_tune=-0.30),
    _rule("integration_engineers", {"talent": "software_engineers"},
          wrap=0.20, fine_tune=-0.15),
    _rule("ml_team", {"talent": "ml_engineers"},
          wrap=0.05, fine_tune=0.20, build=-0.15),
    _rule("research_lab_team", {"talent": "research_lab"},
          fine_tune=0.10, build=0.20),
    _rule("talent_far_below_pretraining",
          {"talent": ("none", "software_engineers")},
          build=-0.30),
    # --- data -----------------------------------------------------------------------------------
    _rule("no_proprietary_data", {"data": "none"},
          buy=0.05, fine_tune=-0.15, build=-0.15),
    _rule("domain_documents", {"data": "domain_documents"},
          wrap=0.15),
    _rule("large_proprietary_data", {"data": "large_proprietary"},
          fine_tune=0.20),
    _rule("web_scale_data", {"data": "web_scale"},
          fine_tune=0.05, build=0.15),
    # --- time -----------------------------------------------------------------------------------
    _rule("value_in_weeks", {"time_to_value": "weeks"},
          buy=0.15, wrap=0.15, fine_tune=-0.30, build=-0.40),
    _rule("value_in_quarters", {"time_to_value": "quarters"},
          wrap=0.05, fine_tune=0.05, build=-0.20),
    _rule("multi_year_horizon", {"time_to_value": "years"},
          fine_tune=0.05, build=0.10),
    # --- where it runs --------------------------------------------------------------------------
    # Products that install on premises exist but are fewer and dearer than SaaS.
    _rule("air_gapped_no_external_api", {"deployment": "air_gapped"},
          buy=-0.20, wrap=-1.00, fine_tune=0.30, build=0.10),
    _rule("regulated_vetted_only", {"deployment": "regulated"},
          buy=-0.10, fine_tune=0.10),
    # --- moat -----------------------------------------------------------------------------------
    _rule("same_api_same_product",
          {"differentiation": "yes", "ai_role": OWNING_ROLES},
          wrap=-0.05),
    _rule("commodity_use",
          {"differentiation": "yes", "ai_role": ("supporting", "exploring")},
          buy=0.15),
    _rule("model_is_the_moat",
          {"differentiation": "no", "ai_role": "is_the_product"},
          fine_tune=0.15, build=0.10),
    _rule("ai_moat_in_differentiator",
          {"differentiation": "no", "ai_role": "differentiator"},
          fine_tune=0.10),
    # --- product --------------------------------------------------------------------------------
    _rule("model_without_product", {"product": "model_only"},
          fine_tune=-0.05, build=-0.25),
    _rule("product_still_planned", {"product": "product_planned"},
          build=-0.20),
    _rule("complete_product", {"product": "full_product"},
          wrap=0.05, build=0.10),
    # --- volume ---------------------------------------------------------------------------------
    _rule("low_volume", {"usage_volume": "low"},
          buy=0.05, fine_tune=-0.10),
    _rule("high_volume_unit_cost",
          {"usage_volume": "high", "talent": ("ml_engineers", "research_lab")},
          fine_tune=0.25),
    _rule("high_volume_without_ml",
          {"usage_volume": "high", "talent": ("none", "software_engineers")},
          wrap=0.05),
    # --- going all in ---------------------------------------------------------------------------
    # Half-measures drown: a team that clears every bar should build, not hedge with a fine-tune.
    _rule("all_bars_cleared", {q: tuple(a) for q, a in BUILD_BARS.values()},
          wrap=-0.20, fine_tune=-0.40, build=0.30),
)
# fmt: on

# Reasons that belong to the verdict itself, used when the answers give too few of their own.
CORE_REASONS: dict[str, tuple[tuple[str, str], ...]] = {
    verdict: tuple((name, str(EVIDENCE[name][0])) for name in names)
    for verdict, names in {
        "buy": ("core_buy", "core_buy_grid"),
        "wrap": ("core_wrap", "core_wrap_product"),
        "fine_tune": ("core_fine_tune", "core_fine_tune_product"),
        "build": ("core_build", "core_build_mission"),
    }.items()
}
BUILD_GATE_RULE = "build_bars_missed"
MAX_RULE_REASONS = 3  # the three rules that weigh most: a manager reads the advice in a minute
AIR_GAP_GATE_RULE = "air_gapped_no_external_api"


# --------------------------------------------------------------------------------------------
# Red flags: one named test per flag of the contract, raised whatever the verdict.
# --------------------------------------------------------------------------------------------


def _leans_to_owning(a: Mapping[str, str]) -> bool:
    return a.get("motivation") in ("mission", "economics") or a.get("ai_role") == "is_the_product"


def _far_below_pretraining(a: Mapping[str, str]) -> bool:
    """Capital, compute or talent answered and short of the pre-training bar.

    Pre-training is not a matter of degree: even 10m_to_100m, a reserved cluster or an ML team
    that has never pretrained is far from what it takes.
    """
    return any(
        q in a and a[q] not in BUILD_BARS[bar][1]
        for bar, q in (("capital", "budget"), ("compute", "compute"), ("talent", "talent"))
    )


def pretraining_in_play(a: Mapping[str, str], clipped: Mapping[str, int] | None = None) -> bool:
    """Whether the team went anywhere near pre-training: a mission, a model that is the
    product and that a public API can't match, or build among the two best scores. Only then do
    the build bars get named (an agency that never considered building gets no banner)."""
    if a.get("motivation") == "mission":
        return True
    if a.get("ai_role") == "is_the_product" and a.get("differentiation") == "no":
        return True
    if clipped is not None:
        return (
            sorted(VERDICTS, key=lambda v: -clipped[v]).index("build") < 2 and clipped["build"] > 0
        )
    return False


def _leans_to_training(a: Mapping[str, str], verdict: str) -> bool:
    return (
        a.get("motivation") in ("mission", "economics", "control", "investors")
        or a.get("deployment") == "air_gapped"
        or (a.get("ai_role") == "is_the_product" and a.get("differentiation") == "no")
        or verdict in ("fine_tune", "build")
    )


RED_FLAG_TESTS = {
    "investor_driven": lambda a, v: a.get("motivation") == "investors",
    "underfunded_build": lambda a, v: _leans_to_owning(a) and _far_below_pretraining(a),
    "model_without_product": lambda a, v: a.get("product") == "model_only",
    "commodity_wrapper": lambda a, v: (
        a.get("ai_role") in OWNING_ROLES and a.get("differentiation") == "yes"
    ),
    "timeline_mismatch": lambda a, v: (
        a.get("time_to_value") == "weeks" and _leans_to_training(a, v)
    ),
    "no_ai_talent": lambda a, v: a.get("talent") == "none" and v in ("wrap", "fine_tune", "build"),
}
assert tuple(RED_FLAG_TESTS) == RED_FLAGS


# --------------------------------------------------------------------------------------------
# Confidence
# --------------------------------------------------------------------------------------------
# Confidence is "how far ahead the verdict is, minus how much the unanswered questions could
# still move it": gap - sum(swing of each missing question). A question's swing bounds how much
# the gap between the two best verdicts could grow if its answer were dropped, so dropping an
# answer can never raise confidence. The result is then scaled by the share of questions answered.

CONFIDENCE_FLOOR = 0.30
CONFIDENCE_CEILING = 0.95
DECISIVE_GAP = 40  # hundredths: a lead of 0.40 over the runner-up is a clear call


def _question_swing(question: str) -> int:
    """Twice the most any one verdict's points can move when ``question`` is answered or not."""
    worst = 0
    for verdict in VERDICTS:
        for answer in QUESTIONS[question]:
            moved = sum(
                abs(rule.points.get(verdict, 0))
                for rule in RULES
                if question in rule.when and answer in rule.when[question]
            )
            worst = max(worst, moved)
    return min(100, 2 * worst)


SWING: dict[str, int] = {q: _question_swing(q) for q in QUESTION_IDS}


def _missing_swing(question: str, answers: Mapping[str, str]) -> int:
    """Swing of an unanswered question, including what the gates could still do with it."""
    if question == "deployment":
        return 100  # an air-gapped answer would take buy and wrap off the table
    if question in BAR_QUESTIONS:
        others_open = all(
            q == question or q not in answers or answers[q] in accepted
            for q, accepted in BUILD_BARS.values()
        )
        if others_open:
            return 100  # this answer alone could open the build gate
    return SWING[question]


def _confidence(gap: int, answers: Mapping[str, str]) -> float:
    robust = gap - sum(_missing_swing(q, answers) for q in QUESTION_IDS if q not in answers)
    decisiveness = min(max(robust / DECISIVE_GAP, 0.0), 1.0)
    coverage = len(answers) / len(QUESTION_IDS)
    return coverage * (CONFIDENCE_FLOOR + (CONFIDENCE_CEILING - CONFIDENCE_FLOOR) * decisiveness)


# --------------------------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Contribution:
    """Points one rule gave one verdict (``reason`` is the rule's message key)."""

    rule: str
    verdict: str
    points: float
    reason: str


@dataclass(frozen=True)
class Reason:
    """Why the verdict came out: the principle cited, its message key, the rule behind it."""

    principle: str
    key: str
    rule: str


@dataclass(frozen=True)
class Assessment:
    """One scored set of answers, with everything needed to explain it and to store it."""

    answers: Mapping[str, str]
    verdict: str
    confidence: float
    scores: Mapping[str, float]
    red_flags: tuple[str, ...]
    reasons: tuple[Reason, ...]
    contributions: tuple[Contribution, ...]
    excluded: Mapping[str, str] = field(default_factory=dict)  # verdict -> gate that closed it
    bars_missed: tuple[str, ...] = ()
    engine_version: str = ENGINE_VERSION

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(q for q in QUESTION_IDS if q not in self.answers)

    def to_record(self) -> dict[str, Any]:
        """Ids only, no wording: what gets stored, so it can be re-rendered in any language."""
        return {
            "engine_version": self.engine_version,
            "answers": dict(self.answers),
            "verdict": self.verdict,
            "confidence": self.confidence,
            "scores": dict(self.scores),
            "red_flags": list(self.red_flags),
            "reasons": [
                {"principle": r.principle, "key": r.key, "rule": r.rule} for r in self.reasons
            ],
            "contributions": [
                {"rule": c.rule, "verdict": c.verdict, "points": c.points, "reason": c.reason}
                for c in self.contributions
            ],
            "excluded": dict(self.excluded),
            "bars_missed": list(self.bars_missed),
        }


def _excluded(answers: Mapping[str, str]) -> tuple[dict[str, str], tuple[str, ...]]:
    bars_missed = tuple(
        bar for bar, (q, accepted) in BUILD_BARS.items() if answers.get(q) not in accepted
    )
    excluded: dict[str, str] = {}
    if bars_missed:
        excluded["build"] = BUILD_GATE_RULE
    if answers.get("deployment") == "air_gapped":
        for verdict in AIR_GAP_EXCLUDES:
            excluded[verdict] = AIR_GAP_GATE_RULE
    return excluded, bars_missed


def _pick(candidates: list[str], raw: Mapping[str, int]) -> str:
    return max(candidates, key=lambda v: (raw[v], -TIE_PREFERENCE.index(v)))


def _reasons(
    fired: list[Rule],
    verdict: str,
    runner_up: str,
    excluded: Mapping[str, str],
    answers: Mapping[str, str],
    clipped: Mapping[str, int],
) -> tuple[Reason, ...]:
    """The rules that put the verdict ahead of the runner-up, then the gates, then the core.

    Only rules that gave the verdict points count: a rule that merely hurt the runner-up less
    ("value in weeks" when fine_tune beats build) would read as an argument for the wrong thing.
    """
    ranked = sorted(
        (
            r
            for r in fired
            if r.points.get(verdict, 0) > 0
            and r.points.get(verdict, 0) - r.points.get(runner_up, 0) > 0
        ),
        key=lambda r: (r.points.get(runner_up, 0) - r.points.get(verdict, 0), RULES.index(r)),
    )
    reasons = [
        Reason(r.principle, r.reason_key, r.name) for r in ranked if r.principle is not None
    ][:MAX_RULE_REASONS]
    if clipped[verdict] <= 0:
        reasons.insert(
            0,
            Reason(
                str(EVIDENCE[LEAST_BAD_RULE][0]), f"advisor.reason.{LEAST_BAD_RULE}", LEAST_BAD_RULE
            ),
        )
    build_in_play = pretraining_in_play(answers, clipped)
    if verdict != "build" and excluded.get("build") == BUILD_GATE_RULE and build_in_play:
        reasons.append(
            Reason(
                str(EVIDENCE[BUILD_GATE_RULE][0]),
                f"advisor.reason.{BUILD_GATE_RULE}",
                BUILD_GATE_RULE,
            )
        )
    for name, principle in CORE_REASONS[verdict]:
        if len(reasons) >= 2 and len({r.principle for r in reasons}) >= 2:
            break
        reasons.append(Reason(principle, f"advisor.reason.{name}", name))
    return tuple(reasons)


def score_answers(
    answers: Mapping[str, str], closed: Mapping[str, str] | None = None
) -> Assessment:
    """Score a team's answers: the one scoring function Slack, the terminal and JSON share.

    ``closed`` adds gates the answers alone cannot know (verdict -> gate rule), such as the team
    veto on ``build``; the answers' own gates take precedence.
    """
    checked = validate_answers(answers)
    raw = dict(PRIORS)
    contributions = [
        Contribution("prior", v, p / 100, "advisor.reason.prior") for v, p in PRIORS.items() if p
    ]
    fired = [rule for rule in RULES if rule.matches(checked)]
    for rule in fired:
        for verdict, points in rule.points.items():
            raw[verdict] += points
            contributions.append(Contribution(rule.name, verdict, points / 100, rule.reason_key))
    clipped = {v: min(max(raw[v], 0), 100) for v in VERDICTS}

    excluded, bars_missed = _excluded(checked)
    for verdict, gate in (closed or {}).items():
        excluded.setdefault(verdict, gate)
    # The gate's own contribution brings a closed verdict down to the ceiling, so the points
    # still add up to the score shown.
    for verdict, gate in excluded.items():
        if raw[verdict] > EXCLUDED_CEILING:
            cut = (EXCLUDED_CEILING - raw[verdict]) / 100
            contributions.append(Contribution(gate, verdict, cut, f"advisor.reason.{gate}"))
    shown = {
        v: min(clipped[v], EXCLUDED_CEILING) if v in excluded else clipped[v] for v in VERDICTS
    }
    allowed = [v for v in VERDICTS if v not in excluded]
    # Among open verdicts all at 0, the one whose points fell least is the least bad.
    verdict = max(allowed, key=lambda v: (clipped[v], raw[v], -TIE_PREFERENCE.index(v)))
    if clipped[verdict] <= 0:
        shown[verdict] = LEAST_BAD_SCORE
        contributions.append(
            Contribution(
                LEAST_BAD_RULE,
                verdict,
                (LEAST_BAD_SCORE - raw[verdict]) / 100,
                f"advisor.reason.{LEAST_BAD_RULE}",
            )
        )
    # A closed verdict counts as zero when measuring the lead: it cannot be chosen.
    effective = {v: (clipped[v] if v in allowed else 0) for v in VERDICTS}
    runner_up = _pick([v for v in VERDICTS if v != verdict], clipped)
    gap = effective[verdict] - max(effective[v] for v in VERDICTS if v != verdict)

    flags = tuple(flag for flag, test in RED_FLAG_TESTS.items() if test(checked, verdict))
    return Assessment(
        answers=checked,
        verdict=verdict,
        confidence=_confidence(gap, checked),
        scores={v: shown[v] / 100 for v in VERDICTS},
        red_flags=flags,
        reasons=_reasons(fired, verdict, runner_up, excluded, checked, clipped),
        contributions=tuple(contributions),
        excluded=excluded,
        bars_missed=bars_missed,
    )

"""Team assessments: several people's answers pooled into one verdict, and where they split.

The pooling is deliberately simple so that the result can say how it was made:

* ordered questions (budget, compute, talent, data, time to value, usage) take the median of
  the answers given; with an even count, the lower of the two middle answers (the cautious one);
* every other question takes the most common answer; a tie goes to the answer earlier in
  :data:`CAUTION_ORDER` (the one that commits the team least);
* a question nobody answered stays unanswered (confidence drops); one some skipped is pooled over
  those who answered it.

One rule sits on top: the team is told to pre-train (``build``) only when every member's own
answers say so. One over-optimistic member never pushes a team into a power plant.

Nothing here knows Slack: the CLI, the Slack round and the benchmark all call :func:`pool`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from bot.assessment.advice import to_json
from bot.assessment.engine import Assessment, Reason, score_answers
from bot.assessment.questions import QUESTION_IDS, QUESTIONS
from bot.i18n import decimal, t

TEAM_DISAGREES = "team_disagrees"
TEAM_VETO_GATE = "team_veto"
POOLING_RULE = "team_pooling"

# Ordered "less to more" in QUESTIONS; lower is the cautious side.
MEDIAN_QUESTIONS: tuple[str, ...] = (
    "budget",
    "compute",
    "talent",
    "data",
    "time_to_value",
    "usage_volume",
)
# For the other questions, the answer that wins a tie: the one that commits the team least
# (no model ambition before a mission, the stricter deployment constraint before the looser).
CAUTION_ORDER: dict[str, tuple[str, ...]] = {
    "ai_role": ("exploring", "supporting", "differentiator", "is_the_product"),
    "motivation": ("none", "investors", "control", "economics", "mission"),
    "deployment": ("air_gapped", "regulated", "any_cloud"),
    "differentiation": ("yes", "partly", "no"),
    "product": ("model_only", "product_planned", "full_product"),
}
assert set(MEDIAN_QUESTIONS) | set(CAUTION_ORDER) == set(QUESTION_IDS)
assert all(set(order) == set(QUESTIONS[q]) for q, order in CAUTION_ORDER.items())


def cautious_rank(question: str, answer: str) -> int:
    """0 for the most cautious answer to ``question``, growing toward the boldest."""
    order = CAUTION_ORDER.get(question, QUESTIONS[question])
    return order.index(answer)


def pool_question(question: str, given: Sequence[str]) -> str:
    """The team's answer to one question from the answers given (at least one)."""
    if question in MEDIAN_QUESTIONS:
        ranked = sorted(given, key=QUESTIONS[question].index)
        return ranked[(len(ranked) - 1) // 2]
    counts = Counter(given)
    return min(counts, key=lambda a: (-counts[a], cautious_rank(question, a)))


def pool_answers(members: Sequence[Mapping[str, str]]) -> dict[str, str]:
    """The pooled answer set: only questions at least one member answered."""
    pooled: dict[str, str] = {}
    for question in QUESTION_IDS:
        given = [m[question] for m in members if question in m]
        if given:
            pooled[question] = pool_question(question, given)
    return pooled


@dataclass(frozen=True)
class Disagreement:
    """A question the members who answered it did not answer alike."""

    question: str
    counts: Mapping[str, int]  # answer -> how many gave it, most given first

    @property
    def answered(self) -> int:
        return sum(self.counts.values())

    @property
    def divisiveness(self) -> float:
        """The share of those who answered who are outside the largest group (0 = unanimous)."""
        return 1 - max(self.counts.values()) / self.answered


def disagreements(members: Sequence[Mapping[str, str]]) -> tuple[Disagreement, ...]:
    """Every split question, the most divisive first (then the most answers, then form order)."""
    found = []
    for question in QUESTION_IDS:
        counts = Counter(m[question] for m in members if question in m)
        if len(counts) > 1:
            ordered = dict(
                sorted(counts.items(), key=lambda kv: (-kv[1], QUESTIONS[question].index(kv[0])))
            )
            found.append(Disagreement(question, ordered))
    return tuple(
        sorted(
            found,
            key=lambda d: (-d.divisiveness, -len(d.counts), QUESTION_IDS.index(d.question)),
        )
    )


@dataclass(frozen=True)
class TeamAssessment:
    """The pooled result, each member's own result, and the splits between them."""

    pooled: Assessment
    individual: tuple[Assessment, ...]
    disagreements: tuple[Disagreement, ...]

    @property
    def members(self) -> int:
        return len(self.individual)

    @property
    def verdicts_differ(self) -> bool:
        return len({a.verdict for a in self.individual}) > 1

    def verdict_counts(self) -> dict[str, int]:
        """How many members' own answers give each verdict, the most common first."""
        counts = Counter(a.verdict for a in self.individual)
        return dict(sorted(counts.items(), key=lambda kv: -kv[1]))

    def to_json(self, lang: str = "en", advice: str | None = None) -> dict[str, Any]:
        """The contract's team object: the single-person fields for the pool, plus ``team``."""
        result = to_json(self.pooled, lang, advice=advice)
        result["next_steps"] += [
            t("team.next_step.settle", lang, question=t(f"advisor.question.{d.question}", lang))
            for d in self.disagreements[:1]
        ]
        result["team"] = {
            "members": self.members,
            "individual": [
                {"verdict": a.verdict, "confidence": round(a.confidence, 2)}
                for a in self.individual
            ],
            "disagreements": [
                {"question": d.question, "answers": dict(d.counts)} for d in self.disagreements
            ],
        }
        return result


def pool(members: Sequence[Mapping[str, str]]) -> TeamAssessment:
    """Score every member, pool their answers and score the pool: the one team entry point.

    With no split at all the pooled result is exactly the single-person one (no extra reason,
    flag or gate). Otherwise the reasons say how the answers were pooled, ``team_disagrees``
    is raised when the members' own verdicts differ, and a pooled ``build`` is vetoed (the
    gate :data:`TEAM_VETO_GATE`) unless every member's own verdict is ``build``.
    """
    if not members:
        raise ValueError("a team assessment needs at least one member")
    individual = tuple(score_answers(m) for m in members)
    splits = disagreements(members)
    pooled_answers = pool_answers(members)
    pooled = score_answers(pooled_answers)
    vetoed = pooled.verdict == "build" and any(a.verdict != "build" for a in individual)
    if vetoed:
        pooled = score_answers(pooled_answers, closed={"build": TEAM_VETO_GATE})
    verdicts = {a.verdict for a in individual}
    flags = pooled.red_flags + ((TEAM_DISAGREES,) if len(verdicts) > 1 else ())
    reasons = pooled.reasons
    if splits:
        reasons += (Reason("all_in", "team.reason.pooled", POOLING_RULE),)
    if vetoed:
        reasons += (Reason("mission_or_nothing", "team.reason.veto", TEAM_VETO_GATE),)
    return TeamAssessment(replace(pooled, red_flags=flags, reasons=reasons), individual, splits)


@dataclass(frozen=True)
class Stake:
    """What one split does to the verdict: the pool rescored with another side's answer."""

    question: str
    answer: str  # the other side's answer
    cautious: bool  # whether that side is more cautious than the pooled answer
    verdict: str  # the pooled verdict if that side is right
    score: float  # the current verdict's score if that side is right


def stakes(team: TeamAssessment) -> tuple[Stake, ...]:
    """For each split (same order), the side whose answer would move the verdict most.

    This is the line "if the pessimists are right about talent, Wrap drops to 0.40": each
    answer given but not pooled is tried in place of the pooled one, with every other pooled
    answer (and the build veto) kept; a flipped verdict beats a moved score.
    """
    answers = dict(team.pooled.answers)
    verdict = team.pooled.verdict
    closed = {v: g for v, g in team.pooled.excluded.items() if g == TEAM_VETO_GATE}
    out = []
    for split in team.disagreements:
        pooled_answer = answers[split.question]
        tried = []
        for answer in split.counts:
            if answer == pooled_answer:
                continue
            what_if = score_answers({**answers, split.question: answer}, closed=closed)
            moved = abs(what_if.scores[verdict] - team.pooled.scores[verdict])
            tried.append((what_if.verdict != verdict, moved, answer, what_if))
        flips, _, answer, what_if = max(tried, key=lambda x: (x[0], x[1]))
        cautious = cautious_rank(split.question, answer) < cautious_rank(
            split.question, pooled_answer
        )
        out.append(
            Stake(split.question, answer, cautious, what_if.verdict, what_if.scores[verdict])
        )
    return tuple(out)


def summary_lines(team: TeamAssessment, lang: str) -> list[str]:
    """The team part of a report as plain lines: the members' own verdicts (counts, never
    names), then each split with what it does to the verdict. Shared by terminal and Slack."""
    from bot.assessment.questions import answer_text, question_text, verdict_name

    verdicts = ", ".join(
        t("team.cli.verdict_count", lang, verdict=verdict_name(v, lang), count=n)
        for v, n in team.verdict_counts().items()
    )
    lines = [t("team.cli.team", lang, members=team.members, verdicts=verdicts)]
    if not team.disagreements:
        return [*lines, t("team.cli.no_splits", lang)]
    lines.append(t("team.cli.splits", lang))
    for split, stake in zip(team.disagreements, stakes(team), strict=True):
        answers = ", ".join(
            t("team.cli.answer_count", lang, answer=answer_text(split.question, a, lang), count=n)
            for a, n in split.counts.items()
        )
        lines.append(
            t("team.cli.split", lang, question=question_text(split.question, lang), answers=answers)
        )
        lines.append(_stake_line(team, stake, lang))
    return lines


def _stake_line(team: TeamAssessment, stake: Stake, lang: str) -> str:
    """Why one split matters: the verdict flips, its score moves, or nothing changes."""
    from bot.assessment.questions import answer_text, verdict_name

    params: dict[str, object] = {
        "side": t(f"team.cli.{'cautious' if stake.cautious else 'bold'}", lang),
        "answer": answer_text(stake.question, stake.answer, lang),
        "verdict": verdict_name(stake.verdict, lang),
        "current": verdict_name(team.pooled.verdict, lang),
        "before": decimal(team.pooled.scores[team.pooled.verdict], lang),
        "score": decimal(stake.score, lang),
    }
    if stake.verdict != team.pooled.verdict:
        return t("team.cli.stake_flips", lang, **params)
    if params["before"] != params["score"]:
        return t("team.cli.stake_moves", lang, **params)
    return t("team.cli.stake_holds", lang, **params)

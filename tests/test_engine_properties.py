"""Properties the engine must keep for every combination of answers, missing ones included."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assessment.advice import to_json
from bot.assessment.engine import BUILD_BARS, score_answers
from bot.assessment.questions import PRINCIPLES, QUESTIONS, RED_FLAGS
from bot.vocabulary import VERDICTS
from tests.support.answers import FRONTIER

QUICK = settings(max_examples=200, deadline=None)

# Any subset of questions, each with any of its answers.
partial_answers = st.fixed_dictionaries(
    {}, optional={q: st.sampled_from(answers) for q, answers in QUESTIONS.items()}
)
complete_answers = st.fixed_dictionaries(
    {q: st.sampled_from(answers) for q, answers in QUESTIONS.items()}
)
# A frontier lab with one or two answers changed or dropped: the boundary of the build gate.
ANY_PAIR = [(q, a) for q, answers in QUESTIONS.items() for a in answers]
near_frontier = st.builds(
    lambda changed, dropped: {
        q: a for q, a in {**FRONTIER, **dict(changed)}.items() if q not in dropped
    },
    st.lists(st.sampled_from(ANY_PAIR), max_size=2),
    st.sets(st.sampled_from(list(QUESTIONS)), max_size=1),
)
JSON_KEYS = ["verdict", "confidence", "scores", "red_flags", "reasons", "next_steps", "advice"]


@QUICK
@given(partial_answers)
def test_every_combination_yields_a_valid_result(answers: dict[str, str]) -> None:
    result = score_answers(answers)
    assert result.verdict in VERDICTS
    assert all(0.0 <= s <= 1.0 for s in result.scores.values())
    assert 0.0 <= result.confidence <= 1.0
    assert set(result.red_flags) <= set(RED_FLAGS)
    assert len(result.reasons) >= 2 and all(r.principle in PRINCIPLES for r in result.reasons)
    # The verdict is the best score among the verdicts the gates allow...
    allowed = [v for v in VERDICTS if v not in result.excluded]
    assert result.verdict in allowed
    assert result.scores[result.verdict] == max(result.scores[v] for v in allowed)
    # ...so anything that scores higher was closed by a gate.
    for verdict in VERDICTS:
        if result.scores[verdict] > result.scores[result.verdict]:
            assert verdict in result.excluded


@settings(max_examples=60, deadline=None)
@given(partial_answers, st.sampled_from(["en", "fr"]))
def test_json_has_exactly_the_contract_keys(answers: dict[str, str], lang: str) -> None:
    out = to_json(score_answers(answers), lang)
    assert list(out) == JSON_KEYS
    assert list(out["scores"]) == list(VERDICTS)
    assert all(isinstance(v, float) and round(v, 2) == v for v in out["scores"].values())
    assert isinstance(out["confidence"], float) and round(out["confidence"], 2) == out["confidence"]
    assert all(set(flag) == {"id", "text"} for flag in out["red_flags"])
    assert all(set(reason) == {"principle", "text"} for reason in out["reasons"])
    assert out["next_steps"] and out["advice"]


@QUICK
@given(st.one_of(partial_answers, near_frontier))
def test_build_only_when_every_bar_is_cleared(answers: dict[str, str]) -> None:
    result = score_answers(answers)
    if result.verdict == "build":
        assert all(answers.get(q) in accepted for q, accepted in BUILD_BARS.values())


@QUICK
@given(partial_answers)
def test_air_gapped_never_wraps_an_external_api(answers: dict[str, str]) -> None:
    # A product bought and installed on premises stays possible (issue 14.1): only building on
    # an external model API is closed.
    result = score_answers({**answers, "deployment": "air_gapped"})
    assert result.verdict != "wrap"
    assert result.excluded["wrap"] == "air_gapped_no_external_api"
    assert "buy" not in result.excluded


@QUICK
@given(st.one_of(partial_answers, near_frontier), st.sampled_from(["budget", "compute", "talent"]))
def test_more_means_never_lower_builds_score(answers: dict[str, str], question: str) -> None:
    levels = QUESTIONS[question]  # ordered from least to most
    builds = [score_answers({**answers, question: level}).scores["build"] for level in levels]
    assert builds == sorted(builds), (question, builds)


@QUICK
@given(partial_answers)
def test_investors_never_push_toward_owning_a_model(answers: dict[str, str]) -> None:
    def scores(motivation: str) -> dict[str, float]:
        return dict(score_answers({**answers, "motivation": motivation}).scores)

    investors = scores("investors")
    for other in ("mission", "economics", "control", "none"):
        assert investors["build"] <= scores(other)["build"], other
    for other in ("control", "none"):
        assert investors["fine_tune"] <= scores(other)["fine_tune"], other
    assert investors["fine_tune"] <= scores("none")["fine_tune"]


@QUICK
@given(st.one_of(partial_answers, near_frontier), st.data())
def test_fewer_answers_never_raise_confidence(answers: dict[str, str], data: st.DataObject) -> None:
    dropped = data.draw(st.sets(st.sampled_from(sorted(answers))) if answers else st.just(set()))
    fewer = {q: a for q, a in answers.items() if q not in dropped}
    assert score_answers(fewer).confidence <= score_answers(answers).confidence


@QUICK
@given(st.one_of(complete_answers, near_frontier))
def test_a_single_blank_never_raises_confidence(answers: dict[str, str]) -> None:
    full = score_answers(answers).confidence
    for question in QUESTIONS:
        fewer = {q: a for q, a in answers.items() if q != question}
        assert score_answers(fewer).confidence <= full, question


@QUICK
@given(partial_answers)
def test_no_ai_talent_pushes_toward_buy(answers: dict[str, str]) -> None:
    buy = {t: score_answers({**answers, "talent": t}).scores["buy"] for t in QUESTIONS["talent"]}
    assert all(buy["none"] >= other for other in buy.values())


@QUICK
@given(partial_answers)
def test_weeks_push_away_from_training(answers: dict[str, str]) -> None:
    by_time = {
        when: score_answers({**answers, "time_to_value": when}).scores
        for when in QUESTIONS["time_to_value"]
    }
    for verdict in ("fine_tune", "build"):
        assert by_time["weeks"][verdict] <= by_time["quarters"][verdict]
        assert by_time["weeks"][verdict] <= by_time["years"][verdict]


@QUICK
@given(partial_answers)
def test_exploring_favours_buy(answers: dict[str, str]) -> None:
    buy = {r: score_answers({**answers, "ai_role": r}).scores["buy"] for r in QUESTIONS["ai_role"]}
    assert all(buy["exploring"] >= other for other in buy.values())


@QUICK
@given(partial_answers, st.sampled_from(["ml_engineers", "research_lab"]))
def test_high_volume_with_ml_talent_favours_fine_tune(answers: dict[str, str], talent: str) -> None:
    base = {**answers, "talent": talent}
    tune = {
        u: score_answers({**base, "usage_volume": u}).scores["fine_tune"]
        for u in QUESTIONS["usage_volume"]
    }
    assert tune["high"] >= tune["medium"] >= tune["low"]


@QUICK
@given(partial_answers)
def test_regulated_pushes_to_private_deployment(answers: dict[str, str]) -> None:
    cloud = score_answers({**answers, "deployment": "any_cloud"}).scores
    regulated = score_answers({**answers, "deployment": "regulated"}).scores
    assert regulated["fine_tune"] >= cloud["fine_tune"]
    assert regulated["buy"] <= cloud["buy"]


@QUICK
@given(partial_answers)
def test_no_public_api_match_favours_owning_more_when_ai_is_the_product(
    answers: dict[str, str],
) -> None:
    base = {**answers, "ai_role": "is_the_product"}
    by_diff = {d: score_answers({**base, "differentiation": d}).scores for d in ("yes", "partly")}
    moat = score_answers({**base, "differentiation": "no"}).scores
    for scores in by_diff.values():
        assert moat["fine_tune"] >= scores["fine_tune"]
        assert moat["build"] >= scores["build"]


@QUICK
@given(partial_answers)
def test_red_flags_do_not_depend_on_the_wording(answers: dict[str, str]) -> None:
    result = score_answers(answers)
    en, fr = to_json(result, "en"), to_json(result, "fr")
    assert [f["id"] for f in en["red_flags"]] == [f["id"] for f in fr["red_flags"]]
    assert en["scores"] == fr["scores"] and en["verdict"] == fr["verdict"]


@QUICK
@given(st.one_of(partial_answers, near_frontier))
def test_the_verdict_has_the_highest_shown_score(answers: dict[str, str]) -> None:
    # A verdict ruled out by a gate must never look better than the one we give: the user
    # would read "build 0.75" next to "wrap 0.60" as the advisor contradicting itself.
    result = score_answers(answers)
    assert all(result.scores[result.verdict] >= s for s in result.scores.values())
    shown = to_json(result, "en")["scores"]
    assert all(shown[result.verdict] >= s for s in shown.values())
    for verdict in result.excluded:
        assert result.scores[verdict] == 0.0


def test_a_gated_verdict_never_outscores_the_verdict_at_the_extremes() -> None:
    # Worked by hand from the rule table: air-gapped with no use case, no money, no GPUs, no
    # team, no data, value in weeks. Buying a product installed on premises stays open: buy's
    # points are 0.25 prior + 1.45 of rules - 0.20 air gap = 1.50, shown at 1.00; wrap (the air
    # gap's gate) and build (the bars' gate) show 0, and so does fine_tune on its own points.
    solo_air_gapped = {
        "ai_role": "exploring", "motivation": "none", "budget": "under_100k", "compute": "none",
        "talent": "none", "data": "none", "time_to_value": "weeks", "deployment": "air_gapped",
        "differentiation": "yes", "product": "product_planned", "usage_volume": "low",
    }  # fmt: skip
    result = score_answers(solo_air_gapped)
    assert result.verdict == "buy"
    assert result.scores == {"buy": 1.0, "wrap": 0.0, "fine_tune": 0.0, "build": 0.0}

    # A lab that clears every bar but conviction: build's points are high, but it is shown at 0.
    rich_control = {**FRONTIER, "motivation": "control"}
    result = score_answers(rich_control)
    assert result.verdict == "fine_tune" and result.excluded == {"build": "build_bars_missed"}
    assert result.scores["build"] == 0.0 < result.scores["fine_tune"]

"""Issue 14.2: advice built from what the team said, not boilerplate.

The review measured, over 29 varied profiles, 75 % of the advice's sentences appearing word for
word in the advice of 4 or more other profiles. On the 30 profiles of tests/support/profiles.py
the code before this change measured 71 % in English and 72 % in French (run by hand on main
with the same metric); the bar below is one that code fails.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assessment import advice
from bot.assessment.engine import score_answers
from bot.assessment.questions import QUESTIONS
from tests.support.profiles import PROFILES, measure, sentences, shared_share

QUICK = settings(max_examples=300, deadline=None)
partial_answers = st.fixed_dictionaries(
    {}, optional={q: st.sampled_from(answers) for q, answers in QUESTIONS.items()}
)
SHARED_BAR = 0.55
# The constraints the issue names: teams differing on one of them must get different steps.
CONSTRAINTS = (
    "compute", "data", "time_to_value", "deployment", "usage_volume", "talent", "motivation",
)  # fmt: skip  # share of sentences found in 4+ other profiles' advice


def test_the_metric_counts_what_it_should() -> None:
    # Worked by hand: "One two three four." is in all five answers (each shares it with 4
    # others), the second sentence of each is its own: 5 shared out of 10.
    answers = {f"p{i}": f"One two three four. Only in answer number {i}." for i in range(5)}
    assert shared_share(answers) == 0.5
    assert sentences("*What to do now.*\n1. Ship to ten real users. _(A lever)_") == [
        "Ship to ten real users."
    ]


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_most_sentences_are_not_shared_with_four_other_profiles(lang: str) -> None:
    share = measure(lambda answers: advice.narrative(score_answers(answers), lang))
    assert share <= SHARED_BAR, f"{share:.0%} of sentences shared by 4+ other profiles"


def test_same_verdict_different_constraints_different_steps() -> None:
    by_verdict: dict[str, list[tuple[str, list[str]]]] = {}
    for name, answers in PROFILES.items():
        result = score_answers(answers)
        by_verdict.setdefault(result.verdict, []).append((name, advice.next_steps(result, "en")))
    assert all(len(teams) >= 3 for teams in by_verdict.values())  # the comparison means something
    compared = 0
    for teams in by_verdict.values():
        for (a, steps_a), (b, steps_b) in itertools.combinations(teams, 2):
            if any(PROFILES[a][q] != PROFILES[b][q] for q in CONSTRAINTS):
                compared += 1
                assert steps_a != steps_b, (a, b)
    assert compared >= 50
    # The review: every fine-tune answer shared the same steps 1-5.
    # (Two of our fine-tune teams differ only on ai_role and differentiation, not constraints.)
    firsts = {tuple(steps[:5]) for _, steps in by_verdict["fine_tune"]}
    assert len(firsts) >= 0.8 * len(by_verdict["fine_tune"])


@QUICK
@given(partial_answers)
def test_each_middle_step_comes_from_one_answer_the_team_gave(answers: dict[str, str]) -> None:
    result = score_answers(answers)
    names = advice._step_names(result)
    assert len(names) == len(set(names))  # no step twice
    sources = []
    for name in names[1:-1]:
        source = [
            question
            for (question, answer), by_verdict in advice.ANSWER_STEPS.items()
            if answers.get(question) == answer
            and name in (by_verdict.get(result.verdict), by_verdict.get("*"))
        ]
        assert source, name
        sources.append(source[0])
    assert len(sources) == len(set(sources))  # one action per answer


@QUICK
@given(partial_answers, st.sampled_from(["en", "fr"]))
def test_steps_are_few_and_never_repeat(answers: dict[str, str], lang: str) -> None:
    steps = advice.next_steps(score_answers(answers), lang)
    assert 2 <= len(steps) <= 6
    assert len(steps) == len(set(steps))


def test_the_constraints_show_in_the_steps() -> None:
    base = PROFILES["hospital_air_gapped"]
    assert score_answers(base).verdict == "fine_tune"
    text = " ".join(advice.next_steps(score_answers(base), "en"))
    assert "on your cluster" in text  # compute: dedicated_cluster
    assert "inside your walls" in text  # deployment: air_gapped
    rented = {**base, "compute": "on_demand", "deployment": "regulated"}
    assert score_answers(rented).verdict == "fine_tune"
    other = " ".join(advice.next_steps(score_answers(rented), "en"))
    assert "Rent GPUs by the hour" in other and "compliance" in other

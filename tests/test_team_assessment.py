"""Team assessments: the pooling rules of the contract ("Team assessments"), as properties."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.assess_cli import main
from bot.assessment.advice import score_lines, to_json
from bot.assessment.engine import score_answers
from bot.assessment.questions import QUESTION_IDS, QUESTIONS
from bot.assessment.team import (
    MEDIAN_QUESTIONS,
    TEAM_DISAGREES,
    TEAM_VETO_GATE,
    pool,
    pool_answers,
    summary_lines,
)
from tests.support.answers import FRONTIER

QUICK = settings(max_examples=150, deadline=None)
KEYS = ["verdict", "confidence", "scores", "red_flags", "reasons", "next_steps", "advice", "team"]

partial_answers = st.fixed_dictionaries(
    {}, optional={q: st.sampled_from(answers) for q, answers in QUESTIONS.items()}
)
ANY_PAIR = [(q, a) for q, answers in QUESTIONS.items() for a in answers]
# Around the build gate: a frontier lab with a few answers changed or dropped.
near_frontier = st.builds(
    lambda changed, dropped: {
        q: a for q, a in {**FRONTIER, **dict(changed)}.items() if q not in dropped
    },
    st.lists(st.sampled_from(ANY_PAIR), max_size=3),
    st.sets(st.sampled_from(QUESTION_IDS), max_size=1),
)
member = st.one_of(partial_answers, near_frontier)
teams = st.lists(member, min_size=2, max_size=7)


@QUICK
@given(partial_answers, st.integers(min_value=2, max_value=6), st.sampled_from(["en", "fr"]))
def test_identical_answer_sets_pool_to_exactly_the_single_result(
    answers: dict[str, str], size: int, lang: str
) -> None:
    team = pool([answers] * size)
    single = score_answers(answers)
    assert team.pooled == single
    result = team.to_json(lang)
    assert {k: v for k, v in result.items() if k != "team"} == to_json(single, lang)
    assert result["team"]["disagreements"] == []
    assert TEAM_DISAGREES not in {flag["id"] for flag in result["red_flags"]}
    assert (
        result["team"]["individual"]
        == [{"verdict": single.verdict, "confidence": round(single.confidence, 2)}] * size
    )


@QUICK
@given(teams)
def test_build_only_when_every_member_builds(members: list[dict[str, str]]) -> None:
    team = pool(members)
    if team.pooled.verdict == "build":
        assert all(a.verdict == "build" for a in team.individual)
    if all(a.verdict == "build" for a in team.individual):
        assert "build" not in team.pooled.excluded or team.pooled.excluded["build"] != (
            TEAM_VETO_GATE
        )


@QUICK
@given(teams)
def test_team_disagrees_exactly_when_the_members_verdicts_differ(
    members: list[dict[str, str]],
) -> None:
    team = pool(members)
    differ = len({score_answers(m).verdict for m in members}) > 1
    assert (TEAM_DISAGREES in team.pooled.red_flags) is differ
    flags = [f["id"] for f in team.to_json()["red_flags"]]
    assert (TEAM_DISAGREES in flags) is differ


@QUICK
@given(partial_answers)
def test_team_disagrees_never_appears_for_one_person(answers: dict[str, str]) -> None:
    assert TEAM_DISAGREES not in score_answers(answers).red_flags


@QUICK
@given(teams)
def test_pooled_answers_are_never_invented(members: list[dict[str, str]]) -> None:
    pooled = pool_answers(members)
    for question in QUESTION_IDS:
        given_answers = [m[question] for m in members if question in m]
        if not given_answers:
            assert question not in pooled  # nobody answered: stays blank
            continue
        assert pooled[question] in given_answers  # pooled over those who answered
        if question in MEDIAN_QUESTIONS:
            order = QUESTIONS[question]
            below = sum(order.index(a) < order.index(pooled[question]) for a in given_answers)
            at_or_below = sum(
                order.index(a) <= order.index(pooled[question]) for a in given_answers
            )
            # The (lower) median: fewer than half strictly below, at least half at or below.
            assert below < len(given_answers) / 2 <= at_or_below
        else:
            counts = [given_answers.count(a) for a in set(given_answers)]
            assert given_answers.count(pooled[question]) == max(counts)


@QUICK
@given(teams)
def test_disagreements_list_every_split_most_divisive_first(
    members: list[dict[str, str]],
) -> None:
    team = pool(members)
    split_questions = {q for q in QUESTION_IDS if len({m[q] for m in members if q in m}) > 1}
    listed = team.to_json()["team"]["disagreements"]
    assert {d["question"] for d in listed} == split_questions
    for d in listed:
        given_answers = [m[d["question"]] for m in members if d["question"] in m]
        assert d["answers"] == {a: given_answers.count(a) for a in set(given_answers)}
    shares = [max(d["answers"].values()) / sum(d["answers"].values()) for d in listed]
    assert shares == sorted(shares)
    # The pooling is explained exactly when it did something.
    pooling = [r for r in team.pooled.reasons if r.key == "team.reason.pooled"]
    assert len(pooling) == (1 if listed else 0)


def test_a_hand_checked_split() -> None:
    base = {"ai_role": "differentiator", "budget": "100k_to_1m", "time_to_value": "weeks"}
    members = [
        {**base, "talent": "ml_engineers"},
        {**base, "talent": "ml_engineers", "budget": "over_100m"},
        {**base, "talent": "none", "budget": "under_100k"},
    ]
    team = pool(members)
    # Budget: under_100k, 100k_to_1m, over_100m -> the median is 100k_to_1m.
    # Talent: none, ml_engineers, ml_engineers -> the median is ml_engineers.
    assert team.pooled.answers == {**base, "talent": "ml_engineers"}
    assert team.to_json()["team"]["disagreements"] == [
        {"question": "budget", "answers": {"under_100k": 1, "100k_to_1m": 1, "over_100m": 1}},
        {"question": "talent", "answers": {"ml_engineers": 2, "none": 1}},
    ]
    # An even split takes the lower middle answer: the cautious one.
    two = pool([{"budget": "under_100k"}, {"budget": "over_100m"}])
    assert two.pooled.answers == {"budget": "under_100k"}
    # A tie on a question without order goes to the answer that commits least.
    tie = pool([{"ai_role": "is_the_product"}, {"ai_role": "exploring"}])
    assert tie.pooled.answers == {"ai_role": "exploring"}


def test_one_optimist_does_not_push_the_team_into_pre_training() -> None:
    short = {**FRONTIER, "budget": "10m_to_100m"}
    assert score_answers(FRONTIER).verdict == "build"
    assert score_answers(short).verdict != "build"
    # The median budget of (over_100m, over_100m, 10m_to_100m) clears the bar...
    team = pool([FRONTIER, FRONTIER, short])
    assert team.pooled.answers == FRONTIER
    # ...yet one member's own answers do not say build, so the team does not build.
    assert team.pooled.verdict != "build"
    assert team.pooled.excluded["build"] == TEAM_VETO_GATE
    assert team.pooled.scores["build"] == 0
    texts = [r["text"] for r in team.to_json("en")["reasons"]]
    assert any(text.startswith("Pre-training is off the table") for text in texts)
    assert any(text.startswith("Pooled answers: budget, compute") for text in texts)
    fr = [r["text"] for r in team.to_json("fr")["reasons"]]
    assert any(text.startswith("Pré-entraîner est exclu") for text in fr)
    assert TEAM_DISAGREES in team.pooled.red_flags
    # The score line says which gate closed build: the team's, not the bars (issue 14.1).
    lines = score_lines(team.pooled, "en")
    assert lines[3] == "Build 0.00, ruled out — Not every member's own answers say pre-train."
    assert lines[3] in team.to_json("en")["advice"]


def test_the_summary_says_why_a_split_matters() -> None:
    members = [
        {"ai_role": "differentiator", "talent": "software_engineers", "time_to_value": "weeks"},
        {"ai_role": "differentiator", "talent": "none", "time_to_value": "weeks"},
    ]
    team = pool(members)
    # Even split on talent: the lower (cautious) answer is pooled.
    assert team.pooled.answers["talent"] == "none"
    # Hand-checked: buy 0.60 with no AI engineers; with software engineers wrap gets
    # +0.20 (integration_engineers) and loses no_ai_team's -0.10, buy loses no_ai_team's +0.35.
    assert summary_lines(team, "en") == [
        "Team of 2. Each member's own answers: Wrap an existing model 1, Buy 1.",
        "Where the team disagrees:",
        "  - The strongest AI team you have: No AI engineers 1, Software engineers 1",
        "    If the optimists are right (Software engineers), the verdict becomes "
        "Wrap an existing model (Buy would score 0.25).",
    ]
    assert summary_lines(team, "fr")[3].startswith("    Si les optimistes ont raison (")


# --------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


def write_members(folder: Path, members: list[object]) -> list[str]:
    paths = []
    for i, answers in enumerate(members):
        path = folder / f"member{i}.json"
        path.write_text(json.dumps(answers), encoding="utf-8")
        paths.append(str(path))
    return paths


def answers_args(paths: list[str]) -> list[str]:
    return [arg for path in paths for arg in ("--answers", path)]


def test_team_json_on_the_command_line(tmp_path: Path) -> None:
    short = {**FRONTIER, "talent": "ml_engineers"}
    paths = write_members(tmp_path, [FRONTIER, short, short])
    code, out, err = run([*answers_args(paths), "--format", "json"])
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert list(result) == KEYS
    assert result["team"]["members"] == 3
    assert [m["verdict"] for m in result["team"]["individual"]] == [
        "build",
        score_answers(short).verdict,
        score_answers(short).verdict,
    ]
    assert result["team"]["disagreements"] == [
        {"question": "talent", "answers": {"ml_engineers": 2, "research_lab": 1}}
    ]
    assert result["verdict"] != "build"
    assert "team_disagrees" in [f["id"] for f in result["red_flags"]]


def test_team_text_on_the_command_line_in_french(tmp_path: Path) -> None:
    paths = write_members(tmp_path, [{"talent": "none"}, {"talent": "ml_engineers"}])
    code, out, err = run([*answers_args(paths), "--format", "text", "--lang", "fr"])
    assert (code, err) == (0, "")
    assert "Une équipe de 2 personnes." in out and "Où l'équipe n'est pas d'accord\u00a0:" in out


BAD_FILES = st.sampled_from(
    [
        "not json",
        "[1, 2]",
        json.dumps({"talent": "wizards"}),
        json.dumps({"colour": "blue"}),
        json.dumps({"budget": 3}),
        None,  # missing file
    ]
)


@settings(max_examples=40, deadline=None)
@given(st.lists(partial_answers, min_size=2, max_size=4), st.data(), BAD_FILES)
def test_one_bad_file_exits_2_naming_it(
    tmp_path_factory: pytest.TempPathFactory,
    members: list[dict[str, str]],
    data: st.DataObject,
    bad: str | None,
) -> None:
    folder = tmp_path_factory.mktemp("team")
    paths = write_members(folder, list(members))
    index = data.draw(st.integers(min_value=0, max_value=len(paths) - 1))
    if bad is None:
        Path(paths[index]).unlink()
    else:
        Path(paths[index]).write_text(bad, encoding="utf-8")
    code, out, err = run([*answers_args(paths), "--format", "json"])
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and err.startswith(f"assess: {paths[index]}: ")
    others = [p for i, p in enumerate(paths) if i != index]
    assert not any(p in err for p in others)


def test_python_m_bot_assess_with_two_files(tmp_path: Path) -> None:
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    paths = write_members(tmp_path, [FRONTIER, {**FRONTIER, "budget": "1m_to_10m"}])
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "assess", *answers_args(paths), "--format", "json"],
        cwd=root, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (0, ""), proc.stderr
    result = json.loads(proc.stdout)
    assert result["team"]["members"] == 2 and result["verdict"] != "build"
    assert result["team"]["disagreements"] == [
        {"question": "budget", "answers": {"1m_to_10m": 1, "over_100m": 1}}
    ]

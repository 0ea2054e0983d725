"""Team profiles with the verdict a careful advisor would give, written by hand from the seed.

Each row: who the team is, its eleven answers, the verdict, the red flags the contract's
definitions raise, and why. The expectations come from the article's logic (plug into the grid;
pre-train only when every bar is cleared; no external API when air-gapped), not from running
the engine.
"""

from __future__ import annotations

from typing import NamedTuple

import pytest

from bot.assessment.advice import to_json
from bot.assessment.engine import (
    ENGINE_VERSION,
    PRIORS,
    RULES,
    AnswerError,
    score_answers,
    validate_answers,
)
from bot.assessment.questions import PRINCIPLES, QUESTIONS, RED_FLAGS
from bot.vocabulary import VERDICTS

# Column order of the answer strings below.
ORDER = (
    "ai_role", "motivation", "budget", "compute", "talent", "data",
    "time_to_value", "deployment", "differentiation", "product", "usage_volume",
)  # fmt: skip


class Profile(NamedTuple):
    name: str
    answers: str
    verdict: str
    flags: tuple[str, ...]
    why: str


def _answers(line: str) -> dict[str, str]:
    values = line.split()
    assert len(values) == len(ORDER), line
    return dict(zip(ORDER, values, strict=True))


# fmt: off
PROFILES = [
    # ai_role motivation budget compute talent data time deployment differentiation product usage
    Profile("marketing_agency",
            "supporting none 100k_to_1m none software_engineers domain_documents quarters "
            "any_cloud partly full_product low",
            "wrap", (),
            "the seed's own example: an agency calls an API to generate content and analyse data"),
    Profile("frontier_lab",
            "is_the_product mission over_100m frontier_scale research_lab web_scale years "
            "any_cloud no full_product high",
            "build", (),
            "mission, capital, thousands of GPUs, a lab that has pretrained, a product, years"),
    Profile("regulated_bank",
            "supporting control 10m_to_100m on_demand ml_engineers large_proprietary quarters "
            "regulated partly full_product medium",
            "fine_tune", (),
            "control and regulation with an ML team and its own data: a private deployment"),
    Profile("insurer_claims_team",
            "supporting none 1m_to_10m on_demand software_engineers domain_documents quarters "
            "regulated yes full_product medium",
            "wrap", (),
            "integration engineers and documents: retrieval on a vetted vendor's model"),
    Profile("defense_integrator",
            "differentiator control 10m_to_100m dedicated_cluster ml_engineers domain_documents "
            "years air_gapped partly full_product medium",
            "fine_tune", (),
            "air-gapped: no API allowed, so an open-weight model tuned and run on premises"),
    Profile("hyped_startup",
            "is_the_product investors 1m_to_10m on_demand software_engineers none weeks "
            "any_cloud yes model_only low",
            "wrap",
            ("investor_driven", "underfunded_build", "model_without_product",
             "commodity_wrapper", "timeline_mismatch"),
            "investors are not a reason; weeks and API integrators mean plug into the grid"),
    Profile("ecommerce_support_chatbot",
            "supporting none 100k_to_1m none none domain_documents weeks any_cloud yes "
            "full_product medium",
            "buy", (),
            "no engineers, a commodity use case, needed in weeks: buy the helpdesk's AI"),
    Profile("legal_tech_documents",
            "differentiator none 1m_to_10m on_demand software_engineers domain_documents "
            "quarters regulated partly full_product medium",
            "wrap", (),
            "AI differentiates through its documents: retrieval and a product on a rented model"),
    Profile("hospital_air_gapped",
            "supporting control 1m_to_10m none ml_engineers large_proprietary quarters "
            "air_gapped partly full_product medium",
            "fine_tune", (),
            "patient records never leave: self-host an open-weight model"),
    Profile("sovereign_ai_lab",
            "is_the_product mission over_100m frontier_scale research_lab web_scale years "
            "regulated no full_product high",
            "build", (),
            "a sovereign lab that clears every bar and ships a product"),
    Profile("sovereign_lab_without_product",
            "is_the_product mission over_100m frontier_scale research_lab web_scale years "
            "regulated no model_only high",
            "fine_tune", ("model_without_product",),
            "a model alone is not enough: the product bar blocks pre-training"),
    Profile("game_studio_npc_dialogue",
            "differentiator none 1m_to_10m on_demand software_engineers none quarters any_cloud "
            "partly full_product high",
            "wrap", (),
            "high volume but no ML team: wrap and negotiate volume pricing"),
    Profile("high_volume_saas_with_ml_team",
            "differentiator economics 10m_to_100m dedicated_cluster ml_engineers "
            "large_proprietary quarters any_cloud partly full_product high",
            "fine_tune", ("underfunded_build",),
            "billions of tokens and an ML team: unit cost favours a tuned open model"),
    Profile("consulting_firm_exploring",
            "exploring none 100k_to_1m none software_engineers domain_documents quarters "
            "any_cloud partly product_planned low",
            "buy", (),
            "no use case yet: buy tools, learn, decide later"),
    Profile("coding_assistant_startup",
            "is_the_product economics 10m_to_100m on_demand ml_engineers large_proprietary "
            "quarters any_cloud partly full_product high",
            "fine_tune", ("underfunded_build",),
            "a Cursor-like product at volume: tune open models; pre-training is out of reach"),
    Profile("rich_lab_in_a_hurry",
            "is_the_product mission over_100m frontier_scale research_lab web_scale weeks "
            "any_cloud no full_product medium",
            "wrap", ("timeline_mismatch",),
            "every resource but value needed in weeks: only an API delivers that fast"),
    Profile("investor_driven_smb",
            "differentiator investors 1m_to_10m on_demand software_engineers domain_documents "
            "quarters any_cloud partly product_planned low",
            "wrap", ("investor_driven",),
            "the trend is not a reason; build the product on an API"),
    Profile("solo_founder",
            "exploring none under_100k none none none weeks any_cloud yes product_planned low",
            "buy", (),
            "no money, no team, no use case: buy"),
    Profile("ai_product_without_ai_team",
            "is_the_product none 100k_to_1m none none domain_documents quarters any_cloud "
            "partly product_planned medium",
            "wrap", ("underfunded_build", "no_ai_talent"),
            "you can't buy your core product, but you must hire before you wrap"),
    Profile("biotech_assay_data",
            "differentiator control 10m_to_100m dedicated_cluster ml_engineers large_proprietary "
            "years regulated no full_product medium",
            "fine_tune", (),
            "unique data, a cluster, an ML team, regulated: adapt and host privately"),
    Profile("hr_meeting_notes",
            "supporting none under_100k none none none quarters any_cloud yes full_product low",
            "buy", (),
            "a commodity convenience feature: buy it"),
    Profile("bpo_contact_center_volume",
            "supporting economics 1m_to_10m on_demand ml_engineers large_proprietary quarters "
            "any_cloud partly full_product high",
            "fine_tune", ("underfunded_build",),
            "margin at billions of tokens with ML engineers: tune a smaller open model"),
    Profile("classified_agency",
            "supporting control 1m_to_10m dedicated_cluster software_engineers domain_documents "
            "years air_gapped partly full_product low",
            "fine_tune", (),
            "classified: nothing external, so an open-weight model on its own cluster"),
    Profile("defense_subcontractor_no_team",
            "supporting control 100k_to_1m none none domain_documents quarters air_gapped "
            "partly full_product low",
            "buy", (),
            "air-gapped, no AI staff, no GPUs, a small budget: a product bought and installed on "
            "premises, not a model nobody can run (issue 14.1)"),
    Profile("cash_machine_frontier_lab",
            "is_the_product economics over_100m frontier_scale research_lab web_scale years "
            "any_cloud partly full_product high",
            "build", (),
            "the cash-machine thesis with every resource and a product"),
    Profile("rich_but_investor_driven",
            "is_the_product investors over_100m frontier_scale research_lab web_scale years "
            "any_cloud no full_product high",
            "fine_tune", ("investor_driven",),
            "money without a valid reason: no foundation model"),
    Profile("rich_but_only_control",
            "is_the_product control over_100m frontier_scale research_lab web_scale years "
            "any_cloud no full_product high",
            "fine_tune", (),
            "control is a deployment problem, not a reason to pretrain"),
    Profile("model_api_provider_no_product",
            "is_the_product economics 10m_to_100m dedicated_cluster research_lab web_scale years "
            "any_cloud no model_only high",
            "fine_tune", ("underfunded_build", "model_without_product"),
            "a raw model API with a tenth of the capital pre-training needs"),
    Profile("frontier_lab_air_gapped",
            "is_the_product mission over_100m frontier_scale research_lab web_scale years "
            "air_gapped no full_product high",
            "build", (),
            "air-gapped forbids APIs, not pre-training: every bar is cleared"),
    Profile("media_wrapper_same_api",
            "differentiator none 100k_to_1m on_demand software_engineers domain_documents weeks "
            "any_cloud yes full_product medium",
            "wrap", ("commodity_wrapper",),
            "wrapping is right, but anyone with the same API matches you"),
    Profile("privacy_team_in_a_hurry",
            "supporting control 100k_to_1m on_demand software_engineers domain_documents weeks "
            "regulated partly full_product low",
            "wrap", ("timeline_mismatch",),
            "weeks mean a vetted vendor's API now; self-hosting can come later"),
]
# fmt: on


def _team(name: str) -> dict[str, str]:
    return _answers(next(p.answers for p in PROFILES if p.name == name))


def test_the_table_is_big_and_names_are_unique() -> None:
    assert len(PROFILES) >= 20
    assert len({p.name for p in PROFILES}) == len(PROFILES)


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_profile_verdict(profile: Profile) -> None:
    result = score_answers(_answers(profile.answers))
    assert result.verdict == profile.verdict, profile.why


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_profile_red_flags(profile: Profile) -> None:
    result = score_answers(_answers(profile.answers))
    assert set(result.red_flags) == set(profile.flags), profile.why


@pytest.mark.parametrize("profile", PROFILES, ids=[p.name for p in PROFILES])
def test_profile_is_explained(profile: Profile) -> None:
    result = score_answers(_answers(profile.answers))
    assert len(result.reasons) >= 2
    assert all(r.principle in PRINCIPLES for r in result.reasons)
    assert len({r.principle for r in result.reasons}) >= 2
    # Every point of every score is accounted for by a named contribution.
    for verdict in VERDICTS:
        total = sum(c.points for c in result.contributions if c.verdict == verdict)
        assert result.scores[verdict] == pytest.approx(min(max(total, 0.0), 1.0))


def test_build_needs_every_bar_one_missing_bar_at_a_time() -> None:
    frontier = _team("frontier_lab")
    assert score_answers(frontier).verdict == "build"
    lowered = {
        "motivation": "control",
        "budget": "10m_to_100m",
        "compute": "dedicated_cluster",
        "talent": "ml_engineers",
        "product": "product_planned",
        "time_to_value": "quarters",
    }
    for question, answer in lowered.items():
        result = score_answers({**frontier, question: answer})
        assert result.verdict != "build", question
        assert result.excluded.get("build") == "build_bars_missed"


def test_build_gate_blocks_even_when_build_scores_highest() -> None:
    # Everything a lab could want except a reason that holds: build may score well, never win.
    answers = _team("rich_but_only_control")
    result = score_answers(answers)
    assert result.bars_missed == ("conviction",)
    assert result.verdict == "fine_tune"
    assert any(r.rule == "build_bars_missed" for r in result.reasons)


def test_missing_bar_answer_is_not_a_cleared_bar() -> None:
    frontier = _team("frontier_lab")
    del frontier["compute"]
    result = score_answers(frontier)
    assert result.verdict != "build"
    assert result.bars_missed == ("compute",)


def test_air_gapped_never_wraps_but_may_buy_on_premises() -> None:
    answers = _team("marketing_agency")  # now air-gapped
    answers["deployment"] = "air_gapped"
    result = score_answers(answers)
    # No GPUs, AI supporting the business: a product installed on premises, not a model to run.
    assert result.verdict == "buy"
    assert set(result.excluded) == {"wrap", "build"}


def test_empty_answers_give_a_result_with_no_confidence() -> None:
    result = score_answers({})
    assert result.verdict == "wrap"  # the default: plug into the grid
    assert result.confidence == 0.0
    assert result.red_flags == ()
    assert len(result.missing) == len(QUESTIONS)


def test_every_rule_is_named_once_and_cites_a_principle() -> None:
    names = [rule.name for rule in RULES]
    assert len(names) == len(set(names))
    for rule in RULES:
        # None: the answers evidence no principle (EVIDENCE), so the rule is never cited.
        assert rule.principle is None or rule.principle in PRINCIPLES
        assert set(rule.points) <= set(VERDICTS)
        for question, accepted in rule.when.items():
            assert accepted <= set(QUESTIONS[question]), rule.name
    assert set(PRIORS) == set(VERDICTS)


def test_scoring_is_deterministic() -> None:
    answers = _team("hyped_startup")
    assert score_answers(answers) == score_answers(dict(reversed(list(answers.items()))))
    assert score_answers(answers).engine_version == ENGINE_VERSION == "1.2.0"


def test_red_flags_follow_contract_order() -> None:
    result = score_answers(_team("hyped_startup"))
    assert list(result.red_flags) == [f for f in RED_FLAGS if f in result.red_flags]


@pytest.mark.parametrize(
    ("raw", "named", "listed"),
    [
        ({"colour": "blue"}, "colour", "ai_role, motivation, budget"),
        ({"budget": "a_lot"}, "a_lot", "under_100k, 100k_to_1m"),
        ({"talent": 3}, "talent", "none, software_engineers"),
        ({"deployment": None}, "deployment", "any_cloud, regulated, air_gapped"),
    ],
)
def test_bad_answers_name_the_bad_id_and_list_valid_ones(
    raw: dict, named: str, listed: str
) -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answers(raw)
    message = str(caught.value)
    assert named in message
    assert listed in message
    with pytest.raises(AnswerError):
        score_answers(raw)


@pytest.mark.parametrize("raw", [[], "wrap", 3, None, [["budget", "over_100m"]]])
def test_answers_must_be_an_object(raw: object) -> None:
    with pytest.raises(AnswerError, match="JSON object"):
        validate_answers(raw)


def test_answer_error_speaks_french_too() -> None:
    with pytest.raises(AnswerError) as caught:
        validate_answers({"budget": "beaucoup"})
    assert "réponse inconnue 'beaucoup'" in caught.value.localized("fr")


def test_to_json_is_exactly_the_contract() -> None:
    result = score_answers(_team("hyped_startup"))
    out = to_json(result, "en")
    assert list(out) == [
        "verdict",
        "confidence",
        "scores",
        "red_flags",
        "reasons",
        "next_steps",
        "advice",
    ]
    assert out["verdict"] == "wrap"
    assert list(out["scores"]) == ["buy", "wrap", "fine_tune", "build"]
    assert all(round(v, 2) == v for v in out["scores"].values())
    assert round(out["confidence"], 2) == out["confidence"]
    assert [f["id"] for f in out["red_flags"]] == list(result.red_flags)
    assert all(set(f) == {"id", "text"} and f["text"] for f in out["red_flags"])
    assert all(set(r) == {"principle", "text"} and r["text"] for r in out["reasons"])
    assert all(isinstance(s, str) and s for s in out["next_steps"])
    assert isinstance(out["advice"], str) and len(out["advice"]) > 200


def test_to_record_keeps_ids_only() -> None:
    record = score_answers(_team("frontier_lab")).to_record()
    assert record["verdict"] == "build"
    assert record["engine_version"] == "1.2.0"
    assert record["reasons"][0]["key"].startswith("advisor.reason.")

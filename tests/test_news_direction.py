"""The digest reads the news the right way round (issue 14.4).

For every topic, a pair (or more) of stories that say opposite things must get different
sentences, and the sentence must carry the argument of the story's direction: a GPU price jump
is scarcer compute, not cheaper compute; an API outage calls for a second provider, not for
more wrapping. Titles are classified by the real rules (``classify``) so a story filed under the
wrong topic fails here too.
"""

from __future__ import annotations

import pytest

from bot.news.direction import directions, is_about_price
from bot.news.topics import TOPICS, classify
from bot.news.why import DecisionRef, decision_links, variant, why_it_matters

# (title, topic the rules must file it under, variant, words the English sentence must carry)
PAIRS: dict[str, list[tuple[str, str, str, str]]] = {
    "pricing_apis": [
        ("OpenAI cuts GPT-4o prices by 50%", "pricing_apis", "price_cut", "cheaper"),
        ("OpenAI raises API prices for GPT-4o", "pricing_apis", "price_rise", "pricier"),
        ("Mistral baisse ses prix de 40 %", "pricing_apis", "price_cut", "cheaper"),
        ("Anthropic augmente ses tarifs", "pricing_apis", "price_rise", "pricier"),
    ],
    "compute_infrastructure": [
        ("GPU rental prices jump 40 %", "compute_infrastructure", "scarce_compute", "pricier"),
        (
            "H100 rental prices fall below $2",
            "compute_infrastructure",
            "cheaper_compute",
            "Cheaper",
        ),
        (
            "Pénurie de GPU : les prix de location s'envolent",
            "compute_infrastructure",
            "scarce_compute",
            "pricier",
        ),
        (
            "GPU glut: idle H100s flood the market",
            "compute_infrastructure",
            "cheaper_compute",
            "Cheaper",
        ),
        ("Nvidia H100 shortage worsens", "compute_infrastructure", "scarce_compute", "pricier"),
        (
            "Surcapacité de GPU : la location de H100 baisse",
            "compute_infrastructure",
            "cheaper_compute",
            "Cheaper",
        ),
    ],
    "model_releases": [
        ("Anthropic unveils Claude Opus 4", "model_releases", "default", "evals"),
        ("OpenAI delays the launch of its next model", "model_releases", "delayed", "roadmap"),
        ("OpenAI retires GPT-4 from ChatGPT", "model_releases", "retired", "exit plan"),
    ],
    "open_weights": [
        ("Meta releases Llama 4", "open_weights", "default", "Fine-tuning"),
        ("Meta restricts Llama 4 to non-commercial use", "open_weights", "restricted", "terms"),
    ],
    "funding_deals": [
        ("Anthropic raises $13 billion", "funding_deals", "default", "power plant"),
        (
            "AI startup backed by $200 million investment lays off half its staff",
            "funding_deals",
            "vendor_trouble",
            "exit plan",
        ),
    ],
    "policy_regulation": [
        ("EU AI Act obligations take effect", "policy_regulation", "default", "air-gapped"),
        ("EU delays AI Act obligations by a year", "policy_regulation", "relaxed", "strict"),
        ("La Commission européenne repousse l'AI Act", "policy_regulation", "relaxed", "strict"),
    ],
    "research": [
        ("Researchers find a new scaling technique", "research", "default", "product"),
        ("Study finds LLMs fail at long-horizon planning", "research", "limitation", "own evals"),
    ],
    "other": [
        ("Why my team stopped using Slack", "other", "default", "doesn't change"),
        ("ChatGPT is down for hours", "other", "outage", "second provider"),
        (
            "Panne de ChatGPT : le service indisponible toute la matinée",
            "other",
            "outage",
            "second provider",
        ),
    ],
}

# Outages and reliability: their own reading whatever the topic the story lands in.
OUTAGES = [
    "OpenAI API outage disrupts thousands of apps",
    "Anthropic API suffers major outage",
    "Panne de l'API d'OpenAI : des milliers d'applications à l'arrêt",
    "Claude API down for three hours after a bad deploy",
]


def test_every_topic_has_pairs() -> None:
    assert set(PAIRS) == set(TOPICS)
    for topic, cases in PAIRS.items():
        assert len({v for _, _, v, _ in cases}) >= 2, topic


@pytest.mark.parametrize(
    ("title", "topic", "expected", "words"),
    [case for cases in PAIRS.values() for case in cases],
)
def test_the_direction_picks_the_reading(title: str, topic: str, expected: str, words: str) -> None:
    assert classify(title) == topic
    assert variant(topic, title) == expected
    assert words in why_it_matters(title, "", topic, "en")


@pytest.mark.parametrize("topic", list(PAIRS))
def test_opposite_news_gets_opposite_sentences(topic: str) -> None:
    for lang in ("en", "fr"):
        by_variant = {v: why_it_matters(title, "", topic, lang) for title, _, v, _ in PAIRS[topic]}
        assert len(set(by_variant.values())) == len(by_variant), (topic, lang)


def test_the_issue_examples() -> None:
    jump = "GPU rental prices jump 40 %"
    assert "Cheaper compute" not in why_it_matters(jump, "", classify(jump), "en")
    outage = "OpenAI API outage"
    sentence = why_it_matters(outage, "", classify(outage), "en")
    assert "ships as an API" not in sentence and "second provider" in sentence
    pénurie = "Pénurie de GPU : les prix de location s'envolent"
    assert classify(pénurie) == "compute_infrastructure"
    fr = why_it_matters(pénurie, "", classify(pénurie), "fr")
    assert "moins cher" not in fr and "plus chers" in fr


@pytest.mark.parametrize("title", OUTAGES)
def test_an_outage_gets_the_reliability_reading(title: str) -> None:
    topic = classify(title)
    assert variant(topic, title) == "outage"
    assert "second provider" in why_it_matters(title, "", topic, "en")
    assert "second fournisseur" in why_it_matters(title, "", topic, "fr")


def test_the_summary_gives_the_direction_when_the_title_does_not() -> None:
    title = "What happened to GPU rental this month"
    assert variant("compute_infrastructure", title, "Prices jumped 30% as supply ran short.") == (
        "scarce_compute"
    )


def test_an_outage_links_the_decisions_that_depend_on_a_vendor() -> None:
    decisions = [
        DecisionRef("1", "Support bot on GPT", "wrap"),
        DecisionRef("2", "Buy a notes tool", "buy"),
        DecisionRef("3", "Our own model", "build"),
    ]
    title = "Meta research cluster outage halts training"
    topic = classify(title)
    assert [d.id for d in decision_links(topic, decisions, title)] == ["1", "2"]
    assert [d.id for d in decision_links("compute_infrastructure", decisions)] == ["3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("GPU rental prices jump 40 %", {"rise"}),
        ("Les prix s’envolent", {"rise"}),
        ("La pénurie de puces se résorbe", {"glut"}),
        ("Penurie de GPU", {"shortage"}),
        ("OpenAI slashes prices", {"cut"}),
        ("Nvidia unveils Blackwell", set()),
        ("API outage", {"outage"}),
    ],
)
def test_directions(text: str, expected: set[str]) -> None:
    assert directions(text) == expected


def test_a_rise_of_rate_limits_is_not_a_price_rise() -> None:
    assert not is_about_price("Anthropic increases rate limits for Claude")
    assert is_about_price("les prix de location")
    assert variant("pricing_apis", "Anthropic increases rate limits for Claude") == "api"

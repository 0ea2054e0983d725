"""classify: one topic per headline, by explicit rules (hand-written table)."""

from __future__ import annotations

import pytest

from bot.news.topics import RULES, TOPICS, classify, explain

HEADLINES = [
    # model_releases
    ("OpenAI launches GPT-5 for ChatGPT users", "model_releases"),
    ("Anthropic unveils Claude Opus 4 with better coding", "model_releases"),
    ("Google rolls out Gemini 2.5 Pro to everyone", "model_releases"),
    ("xAI introduces Grok 3, its new reasoning model", "model_releases"),
    ("Gemini 3 is here", "model_releases"),
    ("Google updates Gemini app with new agent mode", "model_releases"),
    # open_weights
    ("Meta releases Llama 4 Scout and Maverick", "open_weights"),
    ("Mistral publishes open-weight Magistral Small", "open_weights"),
    ("DeepSeek-R1 weights are now on Hugging Face", "open_weights"),
    ("Alibaba's Qwen3 beats rivals on coding", "open_weights"),
    ("OpenAI releases gpt-oss under the Apache 2.0 license", "open_weights"),
    ("Mistral dévoile un modèle à poids ouverts", "open_weights"),
    # pricing_apis
    ("OpenAI cuts GPT-4o prices by 50%", "pricing_apis"),
    ("Anthropic introduces Batch API pricing at half the cost", "pricing_apis"),
    ("Gemini Flash now costs $0.10 per million tokens", "pricing_apis"),
    ("OpenAI raises ChatGPT Plus price to $22", "pricing_apis"),  # "raises" but not a round
    ("New Responses API makes building agents simpler for developers", "pricing_apis"),
    # funding_deals
    ("Anthropic raises $13 billion at a $183 billion valuation", "funding_deals"),
    ("Mistral AI lève 1,7 milliard d'euros", "funding_deals"),
    ("Cursor maker Anysphere closes $900M round", "funding_deals"),
    ("Salesforce to acquire Informatica for $8 billion", "funding_deals"),
    ("Poolside in talks for Series C", "funding_deals"),
    ("Microsoft and OpenAI sign new deal", "funding_deals"),
    # policy_regulation
    ("EU AI Act obligations for general-purpose models take effect", "policy_regulation"),
    ("New York Times sues OpenAI over copyright", "policy_regulation"),
    ("FTC probes Microsoft's investment in OpenAI", "policy_regulation"),  # not funding
    ("US tightens export controls on AI chips to China", "policy_regulation"),  # not compute
    ("California governor signs AI safety bill", "policy_regulation"),
    # research
    ("Researchers find LLMs can be trained to deceive", "research"),
    ("New paper shows chain-of-thought monitoring works", "research"),
    ("Scaling laws hold for mixture-of-experts, study finds", "research"),  # not "laws"
    ("A new benchmark for agentic coding", "research"),
    ("Using LLM-as-a-judge for evaluation: a study", "research"),  # not a court's judge
    # compute_infrastructure
    ("Nvidia unveils Blackwell Ultra GPUs", "compute_infrastructure"),
    ("Microsoft to spend $80 billion on AI data centers", "compute_infrastructure"),
    ("OpenAI's Stargate site in Texas reaches 1 gigawatt", "compute_infrastructure"),
    ("H100 rental prices fall below $2 an hour", "compute_infrastructure"),  # not pricing_apis
    ("Amazon signs nuclear power deal for AI", "compute_infrastructure"),  # not a deal
    # other
    ("Why my team stopped using Slack on Fridays", "other"),
    ("Should you build or buy AI?", "other"),
    ("Bill Gates says AI will change education", "other"),  # not a bill
    ("", "other"),
    # tricky precedence
    ("Mistral raises €600 million to build open-weight models", "funding_deals"),
    ("GPT-4 raises the bar on 7 billion parameter benchmarks", "research"),  # not a raise
    ("Hugging Face raises $235M Series D", "funding_deals"),
    ("Nvidia releases Nemotron, an open model family", "open_weights"),
]


@pytest.mark.parametrize(("title", "topic"), HEADLINES)
def test_classify_headlines(title: str, topic: str) -> None:
    assert classify(title) == topic, explain(title)


def test_every_topic_is_covered_by_at_least_three_headlines() -> None:
    counts = {topic: sum(1 for _, t in HEADLINES if t == topic) for topic in TOPICS}
    assert all(n >= 3 for n in counts.values()), counts


def test_the_title_decides_before_the_summary() -> None:
    summary = "The company, which raised $2 billion last year, also cut API prices."
    assert classify("Anthropic unveils Claude Sonnet 4.5", summary) == "model_releases"


def test_the_summary_decides_when_the_title_says_nothing() -> None:
    assert classify("Big news from Paris", "Mistral raised €600 million.") == "funding_deals"
    assert classify("Big news from Paris", "Nothing to see here.") == "other"


def test_topic_ids_are_the_interface() -> None:
    assert TOPICS == (
        "model_releases",
        "open_weights",
        "pricing_apis",
        "funding_deals",
        "policy_regulation",
        "research",
        "compute_infrastructure",
        "other",
    )
    assert {rule.topic for rule in RULES} == set(TOPICS) - {"other"}


def test_explain_names_the_deciding_rule() -> None:
    assert explain("Meta releases Llama 4") == "an open-weight model family"
    assert explain("Why my team stopped using Slack") is None

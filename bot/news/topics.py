"""One build-vs-buy topic per story, by explicit rules a reviewer can read and a test can pin.

The rules are tried in order and the first that matches wins, so the order *is* the policy:
a funding round beats everything (the money is the news), a regulator beats the product it
targets, an open-weight release beats a plain release, a price beats the model it prices.
The title is tried first; the summary only when the title matches no rule, because
summaries mention everything in passing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

TOPICS: tuple[str, ...] = (
    "model_releases",
    "open_weights",
    "pricing_apis",
    "funding_deals",
    "policy_regulation",
    "research",
    "compute_infrastructure",
    "other",
)


@dataclass(frozen=True, slots=True)
class Rule:
    """A topic and the patterns that must *all* match (case-insensitive)."""

    topic: str
    name: str
    patterns: tuple[re.Pattern[str], ...]

    def matches(self, text: str) -> bool:
        return all(p.search(text) for p in self.patterns)


def _rule(topic: str, name: str, *patterns: str) -> Rule:
    if topic not in TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    return Rule(topic, name, tuple(re.compile(p, re.IGNORECASE) for p in patterns))


# "$6.6B", "€600 million", "2 billion" (but not "7 billion parameters").
_AMOUNT = (
    r"(?:[$€£¥]\s?\d+(?:[.,]\d+)?\s?(?:million|billion|trillion|mn|bn|m|b|k)?\b"
    r"|\d+(?:[.,]\d+)?\s?(?:million|billion|trillion|milliards?|mn|bn)\b(?![- ]?param))"
)
_RELEASE = (
    r"\b(launch\w*|releas\w*|unveil\w*|introduc\w*|debut\w*|announc\w*|rolls? out|rolling out"
    r"|ships|drops|previews?|now available|available (now|today|in)|arrives?|upgrades?"
    r"|updates?|lance|dévoile|présente)\b"
)
_MODEL = (
    r"\b(models?|modèles?|llms?|gpt[- ]?[\w.]+|o\d(-\w+)?|claude|sonnet|opus|haiku|gemini|grok"
    r"|chatgpt|copilot|assistant|chatbot|reasoning|multimodal|voice mode|agents?)\b"
)

RULES: tuple[Rule, ...] = (
    # -- the money is the news ---------------------------------------------------------------
    _rule(
        "funding_deals",
        "a raise with an amount",
        r"\b(rais(e|es|ed|ing)|secures?|secured|lands?|closes?|closed|bags?|nets?|seeks?"
        r"|lève|levée)\b(?![^.;]*\b(prices?|prix)\b)[^.;]*?" + _AMOUNT,
    ),
    _rule(
        "funding_deals",
        "a round or valuation",
        r"\b(funding|financing|seed|mega-?)\s?rounds?\b|\bseries [a-h]\b|\bvaluation\b"
        r"|\bvalued at\b|\bipo\b|\bfundrais\w*|\bventure (capital|funding)\b|\bunicorn\b"
        r"|\blevée de fonds\b|\bvalorisation\b",
    ),
    # -- rules and courts --------------------------------------------------------------------
    _rule(
        "policy_regulation",
        "law, regulators and courts",
        r"\b(regulat\w*|réglement\w*|legislat\w*|lawmakers?|(?<!scaling )laws?|lois?"
        r"|bills?(?! gates)|senate|congress|parliament|executive order|white house|ftc|doj"
        r"|european commission|commission européenne|ai act|gdpr|rgpd|cnil|antitrust"
        r"|watchdog|courts?|tribunal|(?<!as-a-)(?<!as a )judges?|lawsuits?|sues?|sued|suing"
        r"|procès|copyright|droit d'auteur|bans?|banned|export controls?|sanctions?|tariffs?"
        r"|compliance|data protection|ruling|fined|fines|amende|(?<!linear )probes?|probed"
        r"|(usage|safety|content) polic(y|ies)|governance|safety institute)\b",
    ),
    # -- open weights (before releases: an open-weight release is a fine-tuning story) -------
    _rule(
        "open_weights",
        "open weights said out loud",
        r"\bopen[- ]?weights?\b|\bopen[- ]source[d]?\b|\bopen models?\b|\bpoids ouverts\b"
        r"|\b(apache|mit) licen[cs]e\b|\bon hugging ?face\b|\breleas\w* (the |its )?weights\b",
    ),
    _rule(
        "open_weights",
        "an open-weight model family",
        r"\b((llama|gemma|qwen|olmo|mixtral|falcon|smollm)[\d.]*|deepseek[- ]?(r\d|v\d)"
        r"|mistral (small|nemo)|phi-\d|gpt-oss|kimi k\d)\b",
    ),
    # -- prices ------------------------------------------------------------------------------
    _rule(
        "compute_infrastructure",
        "the price of compute",
        r"\b(gpus?|h100s?|h200s?|b200s?|chips?|compute|cloud gpu) "
        r"(prices?|pricing|rental|costs?)\b",
    ),
    _rule(
        "compute_infrastructure",
        "a shortage, a glut or the rent of compute",
        r"\b(pénurie|penurie|shortages?|rareté|location|rental|glut|surplus|oversupply"
        r"|surcapacité)\b[^.]*\b(gpus?|h100s?|h200s?|b200s?|puces?|chips?|calcul|compute)\b"
        r"|\b(gpus?|h100s?|h200s?|b200s?|puces?|chips?|compute)\b[^.]*\b(pénurie|penurie"
        r"|shortages?|rental|location|glut|surplus|oversupply)\b"
        r"|\b(prix|tarifs?|coût) (des|du|de la|d'une?) (gpus?|h100s?|puces?|calcul)\b",
    ),
    _rule(
        "pricing_apis",
        "a price or a plan",
        r"\b(prices?|priced|pricing|prix|tarifs?|cheaper|costlier|cuts? (the )?(cost|price)s?"
        r"|per (million|1m|thousand|1k) tokens|discount\w*|free tier|rate limits?"
        r"|subscriptions?|paid plans?|tokens? costs?)\b",
    ),
    # -- hardware and power ------------------------------------------------------------------
    _rule(
        "compute_infrastructure",
        "chips, data centers and power",
        r"\b(gpus?|tpus?|h100s?|h200s?|b200s?|gb200|blackwell|chips?|puces?|semiconductors?"
        r"|data ?cent(er|re)s?|datacenters?|centres? de données|supercomput\w*|gigawatts?"
        r"|megawatts?|power (plant|grid)s?|nuclear|nucléaire|accelerators?|hbm"
        r"|compute capacity|exaflops?|stargate|colossus)\b",
    ),
    # -- deals without a round ---------------------------------------------------------------
    _rule(
        "funding_deals",
        "acquisitions, stakes and deals",
        r"\b(acquir\w*|acquisition|rachat|rachète|merg(e|es|er|ers|ed|ing)|buys|bought"
        r"|takeover|deal|invest(s|ed|ing|ment|ments|or|ors|it|issement)?|stake|backs"
        r"|backed by|partnership)\b",
    ),
    # -- releases ----------------------------------------------------------------------------
    _rule("model_releases", "a model or assistant released", _RELEASE, _MODEL),
    _rule(
        "pricing_apis",
        "an API or developer platform",
        r"\b(apis?|sdks?|endpoints?|developer platform|fine-tuning api)\b",
    ),
    _rule(
        "research",
        "a paper or study",
        r"\b(paper|study|studies|étude|researchers?|chercheurs|arxiv|benchmarks?|dataset"
        r"|findings|scaling laws?|interpretability|neurips|icml|iclr|technique|breakthrough)\b",
    ),
    _rule(
        "model_releases",
        "a model named with its version",
        r"\b(gpt-\d[\w.]*|claude( \w+)? \d[\d.]*|gemini \d[\d.]*|grok[- ]\d|o\d(-mini|-pro)?"
        r"|sora|midjourney v\d)\b",
    ),
    _rule(
        "compute_infrastructure",
        "a chip maker named",
        r"\b(nvidia|amd|intel|tsmc|cerebras|groq|coreweave)\b",
    ),
)


def _first_match(text: str) -> str | None:
    for rule in RULES:
        if rule.matches(text):
            return rule.topic
    return None


def classify(title: str, summary: str = "") -> str:
    """The topic id of a story (one of ``TOPICS``); ``other`` when no rule applies."""
    return _first_match(title) or (summary and _first_match(summary)) or "other"


def explain(title: str, summary: str = "") -> str | None:
    """The name of the rule that decided the topic (for logs and tests), or None."""
    for text in (title, summary):
        for rule in RULES:
            if text and rule.matches(text):
                return rule.name
    return None

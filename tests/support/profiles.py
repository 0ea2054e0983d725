# ruff: noqa: E501  (one profile per line: the table reads as a table)
"""Varied team profiles for measuring the advice (issue 14.2), and the repetition metric.

The profiles span every verdict, every deployment, every team and budget size; several share a
verdict and differ in their constraints, which is what the repetition measure is about.
"""

from __future__ import annotations

import re
from collections.abc import Callable

ORDER = (
    "ai_role", "motivation", "budget", "compute", "talent", "data",
    "time_to_value", "deployment", "differentiation", "product", "usage_volume",
)  # fmt: skip

# fmt: off
_ROWS = {
    "marketing_agency": "supporting none 100k_to_1m none software_engineers domain_documents quarters any_cloud partly full_product low",
    "frontier_lab": "is_the_product mission over_100m frontier_scale research_lab web_scale years any_cloud no full_product high",
    "hyped_startup": "is_the_product investors 1m_to_10m on_demand software_engineers none weeks any_cloud yes model_only low",
    "solo_founder": "exploring none under_100k none none none weeks any_cloud yes product_planned low",
    "hospital_air_gapped": "supporting control 1m_to_10m dedicated_cluster ml_engineers large_proprietary quarters air_gapped partly full_product medium",
    "airgap_nothing": "supporting control under_100k none none domain_documents quarters air_gapped partly full_product low",
    "bank_regulated": "supporting economics 1m_to_10m on_demand ml_engineers large_proprietary quarters regulated partly full_product medium",
    "insurer_regulated_wrap": "differentiator none 100k_to_1m none software_engineers domain_documents quarters regulated partly full_product low",
    "research_group": "is_the_product mission 10m_to_100m dedicated_cluster research_lab large_proprietary years any_cloud no product_planned medium",
    "gpu_lab_no_product": "is_the_product mission over_100m frontier_scale research_lab web_scale years any_cloud no model_only high",
    "contact_center": "supporting economics 1m_to_10m on_demand ml_engineers large_proprietary quarters any_cloud partly full_product high",
    "legal_saas": "differentiator none 1m_to_10m on_demand software_engineers domain_documents quarters regulated partly full_product medium",
    "ecommerce_search": "differentiator economics 1m_to_10m on_demand ml_engineers large_proprietary quarters any_cloud no full_product high",
    "retail_helpdesk": "supporting none under_100k none software_engineers domain_documents weeks any_cloud yes full_product low",
    "hr_team_no_staff": "supporting none under_100k none none domain_documents weeks any_cloud yes full_product low",
    "defense_integrator": "differentiator control 10m_to_100m dedicated_cluster ml_engineers large_proprietary years air_gapped no full_product medium",
    "startup_investors_planned": "differentiator investors 1m_to_10m on_demand ml_engineers domain_documents quarters any_cloud partly product_planned medium",
    "model_vendor": "is_the_product economics 10m_to_100m dedicated_cluster ml_engineers large_proprietary quarters any_cloud no model_only high",
    "cash_machine_lab": "is_the_product economics over_100m frontier_scale research_lab web_scale years any_cloud partly full_product high",
    "ministry_sovereign": "supporting control 10m_to_100m dedicated_cluster ml_engineers domain_documents years air_gapped partly full_product medium",
    "media_generation": "differentiator none 100k_to_1m on_demand software_engineers none weeks any_cloud yes full_product medium",
    "pharma_research": "differentiator economics 10m_to_100m dedicated_cluster research_lab large_proprietary years regulated no full_product medium",
    "city_council": "exploring none under_100k none none domain_documents quarters regulated yes product_planned low",
    "game_studio": "differentiator none 1m_to_10m on_demand ml_engineers none quarters any_cloud partly full_product high",
    "logistics_ops": "supporting economics 100k_to_1m on_demand software_engineers large_proprietary quarters any_cloud partly full_product medium",
    "edtech_tutor": "differentiator investors 100k_to_1m none software_engineers domain_documents weeks any_cloud yes product_planned medium",
    "telecom_volume": "supporting economics 10m_to_100m dedicated_cluster ml_engineers large_proprietary quarters regulated partly full_product high",
    "consultancy_exploring": "exploring investors 100k_to_1m none software_engineers none weeks any_cloud yes product_planned low",
    "bank_air_gapped_tiny": "supporting control 100k_to_1m none software_engineers domain_documents weeks air_gapped partly full_product low",
    "sovereign_lab": "is_the_product mission over_100m frontier_scale research_lab web_scale years air_gapped no full_product high",
}
# fmt: on
PROFILES: dict[str, dict[str, str]] = {
    name: dict(zip(ORDER, row.split(), strict=True)) for name, row in _ROWS.items()
}

_SPLIT = re.compile(r"(?<=[.!?])\s+|\n+")
_HEADING = re.compile(r"^\*[^*]+\*$")  # a line in bold alone: a section heading
_MARKS = re.compile(r"^(?:•|\d+\.)\s*|_\([^)]*\)_|\*")


def sentences(text: str) -> list[str]:
    """The sentences of an answer, without bullets, numbers, marks and principle tags; headings
    and one-word fragments (fewer than four words) are not sentences of advice."""
    out = []
    for raw in _SPLIT.split(text):
        if _HEADING.match(raw.strip()):
            continue
        sentence = _MARKS.sub("", raw.strip()).strip()
        if len(sentence.split()) >= 4:
            out.append(sentence)
    return out


def shared_share(answers: dict[str, str], min_others: int = 4) -> float:
    """Share of all sentences (counted per answer) that appear word for word in the answers of
    at least ``min_others`` other profiles: the issue measured 75 % over 29 profiles."""
    per = {name: set(sentences(text)) for name, text in answers.items()}
    total = shared = 0
    for name, mine in per.items():
        for sentence in mine:
            total += 1
            others = sum(1 for other, theirs in per.items() if other != name and sentence in theirs)
            shared += others >= min_others
    return shared / total if total else 0.0


def measure(narrative: Callable[[dict[str, str]], str]) -> float:
    return shared_share({name: narrative(answers) for name, answers in PROFILES.items()})

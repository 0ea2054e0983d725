"""The answer sets tests share, each written once (ids from the assessment contract)."""

from __future__ import annotations

# The hyped startup of the engine's profile table: wrap, with five red flags.
HYPED = {
    "ai_role": "is_the_product", "motivation": "investors", "budget": "1m_to_10m",
    "compute": "on_demand", "talent": "software_engineers", "data": "none",
    "time_to_value": "weeks", "deployment": "any_cloud", "differentiation": "yes",
    "product": "model_only", "usage_volume": "low",
}  # fmt: skip
# The frontier lab: clears every bar, so build.
FRONTIER = {
    "ai_role": "is_the_product", "motivation": "mission", "budget": "over_100m",
    "compute": "frontier_scale", "talent": "research_lab", "data": "web_scale",
    "time_to_value": "years", "deployment": "any_cloud", "differentiation": "no",
    "product": "full_product", "usage_volume": "high",
}  # fmt: skip
# A services agency: AI supports the product.
AGENCY = {
    "ai_role": "supporting", "motivation": "none", "budget": "100k_to_1m", "compute": "none",
    "talent": "software_engineers", "data": "domain_documents", "time_to_value": "quarters",
    "deployment": "any_cloud", "differentiation": "partly", "product": "full_product",
    "usage_volume": "low",
}  # fmt: skip

"""The passages ``ask`` answers from, and their ranking (BM25, then what the question states).

Each passage is a few sentences in the advisor's voice, written for ``ask`` in both languages
(``bot/locales/<lang>/ask.toml``, ``[passage.<id>]``: ``text`` and ``keywords``, the words a
question uses for it without the passage saying them). What does not depend on the language
lives here: the principle a passage argues from and the facts it speaks to (``question=answer``
of the assessment, or ``intent=<name>`` from ``bot.ask.extract``).

Ranking: Okapi BM25 (:class:`BM25Okapi`) over text and keywords scores the question's own words;
each fact or intent of the question that a passage speaks to adds ``FACT_WEIGHT`` (in units of
the best BM25 score), so "2B tokens a day" finds the high-volume passage even when the
question says "cost" and nothing else.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from bot.ask.words import tokens
from bot.i18n import catalog

FACT_WEIGHT = 0.6
MIN_SCORE = 0.25  # below this (after normalising), a passage is noise, not an answer

# id -> (principle, facts and intents it speaks to)
# fmt: off
PASSAGES: Mapping[str, tuple[str, tuple[str, ...]]] = {
    "pretrain_mission": ("mission_or_nothing", ("intent=pretrain", "motivation=mission")),
    "pretrain_cost": ("colossal_resources", ("intent=pretrain", "budget=under_100k",
                                             "budget=100k_to_1m", "budget=1m_to_10m")),
    "pretrain_people": ("colossal_resources", ("intent=pretrain", "talent=software_engineers",
                                               "talent=ml_engineers")),
    "pretrain_two_reasons": ("two_valid_reasons", ("intent=pretrain", "motivation=economics")),
    "pretrain_investors": ("two_valid_reasons", ("motivation=investors",)),
    "pretrain_all_in": ("all_in", ("intent=pretrain", "motivation=mission")),
    "pretrain_product": ("product_not_model", ("product=model_only", "ai_role=is_the_product")),
    "tickets_train_own": ("plug_into_the_grid", ("data=domain_documents", "intent=rag")),
    "wrap_grid": ("plug_into_the_grid", ("intent=wrap", "intent=pretrain")),
    "rag_first": ("plug_into_the_grid", ("data=domain_documents", "intent=rag",
                                         "intent=fine_tune")),
    "rag_freshness": ("lever_not_burden", ("data=domain_documents", "intent=rag")),
    "evals_first": ("lever_not_burden", ("intent=evals", "intent=quality", "intent=fine_tune")),
    "prompt_tools": ("plug_into_the_grid", ("intent=wrap", "intent=fine_tune")),
    "wrap_speed": ("plug_into_the_grid", ("time_to_value=weeks",)),
    "vendor_lockin": ("plug_into_the_grid", ("intent=lockin",)),
    "second_provider": ("plug_into_the_grid", ("intent=outage", "intent=lockin")),
    "commodity_moat": ("hypercompetitive", ("differentiation=yes", "ai_role=differentiator")),
    "wrap_small_team": ("plug_into_the_grid", ("talent=software_engineers",)),
    "buy_first": ("lever_not_burden", ("ai_role=supporting", "intent=buy")),
    "buy_internal": ("lever_not_burden", ("ai_role=supporting",)),
    "buy_no_team": ("lever_not_burden", ("talent=none",)),
    "buy_small_budget": ("lever_not_burden", ("budget=under_100k",)),
    "buy_on_prem": ("lever_not_burden", ("deployment=air_gapped", "intent=buy")),
    "buy_or_wrap": ("plug_into_the_grid", ("intent=buy", "ai_role=differentiator")),
    "finetune_when": ("plug_into_the_grid", ("intent=fine_tune", "usage_volume=high")),
    "finetune_vs_rag": ("plug_into_the_grid", ("intent=fine_tune", "intent=rag",
                                               "data=domain_documents")),
    "finetune_data": ("lever_not_burden", ("intent=fine_tune",)),
    "finetune_team": ("colossal_resources", ("intent=fine_tune", "talent=ml_engineers",
                                             "talent=none", "intent=self_host")),
    "finetune_maintenance": ("plug_into_the_grid", ("intent=fine_tune",)),
    "open_weights_grid": ("plug_into_the_grid", ("intent=self_host",)),
    "open_weights_license": ("plug_into_the_grid", ("intent=self_host", "intent=license")),
    "self_host_airgap": ("all_in", ("deployment=air_gapped", "intent=self_host")),
    "distill": ("plug_into_the_grid", ("usage_volume=high", "motivation=economics")),
    "small_models": ("lever_not_burden", ("intent=latency", "intent=cost")),
    "cost_arithmetic": ("colossal_resources", ("intent=cost",)),
    "cost_high_volume": ("plug_into_the_grid", ("usage_volume=high",)),
    "cost_low_volume": ("plug_into_the_grid", ("usage_volume=low",)),
    "cost_hidden": ("colossal_resources", ("intent=self_host", "intent=cost",
                                           "usage_volume=high")),
    "cost_per_task": ("lever_not_burden", ("intent=cost", "motivation=economics")),
    "cost_price_drops": ("plug_into_the_grid", ("intent=cost",)),
    "gpu_rent": ("colossal_resources", ("compute=on_demand",)),
    "gpu_none": ("plug_into_the_grid", ("compute=none",)),
    "gpu_frontier": ("product_not_model", ("compute=frontier_scale",
                                           "compute=dedicated_cluster")),
    "regulated_vendors": ("all_in", ("deployment=regulated",)),
    "data_residency": ("all_in", ("deployment=regulated", "motivation=control")),
    "personal_data": ("lever_not_burden", ("deployment=regulated",)),
    "airgap_ops": ("all_in", ("deployment=air_gapped",)),
    "control_motivation": ("plug_into_the_grid", ("motivation=control",)),
    "defense_all_in": ("all_in", ("deployment=air_gapped",)),
    "product_not_model": ("product_not_model", ("product=model_only", "product=product_planned",
                                                "ai_role=is_the_product")),
    "lever": ("lever_not_burden", ("ai_role=supporting",)),
    "hypercompetitive": ("hypercompetitive", ("intent=competition", "differentiation=yes")),
    "exploring": ("lever_not_burden", ("ai_role=exploring",)),
    "pilot": ("lever_not_burden", ("ai_role=exploring", "product=product_planned")),
    "data_moat": ("lever_not_burden", ("data=large_proprietary", "differentiation=no")),
    "horizon_years": ("mission_or_nothing", ("time_to_value=years",)),
    "model_choice": ("hypercompetitive", ("intent=evals",)),
    "switch_models": ("hypercompetitive", ("intent=lockin",)),
    "hire": ("colossal_resources", ("intent=hire",)),
    "investors_pitch": ("two_valid_reasons", ("motivation=investors",)),
    "economics_margin": ("two_valid_reasons", ("motivation=economics",)),
    "research_lab": ("colossal_resources", ("talent=research_lab", "compute=frontier_scale")),
    "quality": ("lever_not_burden", ("intent=quality",)),
    "latency": ("lever_not_burden", ("intent=latency",)),
    "agents": ("plug_into_the_grid", ("intent=agents",)),
}
# fmt: on


@dataclass(frozen=True, slots=True)
class Passage:
    id: str
    text: str
    principle: str
    score: float


class BM25Okapi:
    """Okapi BM25 (k1 1.5, b 0.75, a word in more than half the documents given ``epsilon``
    times the mean idf), the arithmetic of ``rank_bm25.BM25Okapi`` 0.2 in the same order, so
    the same scores (tests/test_ask.py). Ours, not that package: it imported numpy, 11 MB of
    the web worker's memory for 65 short passages (bench/bench_ack.py, peak RSS).
    """

    def __init__(
        self,
        corpus: Sequence[Sequence[str]],
        k1: float = 1.5,
        b: float = 0.75,
        epsilon: float = 0.25,
    ) -> None:
        self.k1, self.b = k1, b
        self.doc_freqs = [Counter(document) for document in corpus]
        self.doc_len = [len(document) for document in corpus]
        self.avgdl = sum(self.doc_len) / len(corpus)
        documents_with = Counter(word for freqs in self.doc_freqs for word in freqs)
        n = len(corpus)
        self.idf = {w: math.log(n - f + 0.5) - math.log(f + 0.5) for w, f in documents_with.items()}
        floor = epsilon * (sum(self.idf.values()) / len(self.idf))
        for word, idf in self.idf.items():
            if idf < 0:
                self.idf[word] = floor

    def get_scores(self, query: Sequence[str]) -> list[float]:
        """Each document's score for ``query``, in corpus order."""
        scores = [0.0] * len(self.doc_freqs)
        norms = [self.k1 * (1 - self.b + self.b * dl / self.avgdl) for dl in self.doc_len]
        for word in query:
            idf = self.idf.get(word)
            if not idf:
                continue
            for i, freqs in enumerate(self.doc_freqs):
                f = freqs.get(word, 0)
                scores[i] += idf * (f * (self.k1 + 1) / (f + norms[i]))
        return scores


@dataclass(frozen=True, slots=True)
class _Index:
    ids: tuple[str, ...]
    texts: tuple[str, ...]
    bm25: BM25Okapi


def passage_text(pid: str, lang: str) -> str:
    return catalog(lang)[f"ask.passage.{pid}.text"]


@cache
def _index(lang: str) -> _Index:
    messages = catalog(lang)
    ids = tuple(PASSAGES)
    texts = tuple(messages[f"ask.passage.{pid}.text"] for pid in ids)
    corpus = [
        tokens(f"{text} {messages[f'ask.passage.{pid}.keywords']}")
        for pid, text in zip(ids, texts, strict=True)
    ]
    return _Index(ids, texts, BM25Okapi(corpus))


def rank(question: str, lang: str, signals: Collection[str] = (), limit: int = 3) -> list[Passage]:
    """The best passages for a question in ``lang``, best first, at most ``limit``.

    ``signals`` are the question's facts and intents (``question=answer``, ``intent=x``).
    """
    index = _index(lang)
    raw = index.bm25.get_scores(tokens(question))
    top = max(float(max(raw)), 1e-9)
    wanted = set(signals)
    scored = []
    for i, pid in enumerate(index.ids):
        principle, speaks_to = PASSAGES[pid]
        score = float(raw[i]) / top + FACT_WEIGHT * len(wanted.intersection(speaks_to))
        if score >= MIN_SCORE:
            scored.append(Passage(pid, index.texts[i], principle, round(score, 3)))
    scored.sort(key=lambda p: (-p.score, index.ids.index(p.id)))
    return scored[:limit]

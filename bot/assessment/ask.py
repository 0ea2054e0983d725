"""The offline ``ask``: answer a free-form question from the principles, without an LLM.

A question is matched against keyword rules (English and French, accents ignored); the one or
two best-matching topics answer it, each citing the principles it rests on. A question that
matches nothing gets the core advice: plug into the grid, ship a product, not a model.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from bot.i18n import t

MAX_TOPICS = 2


@dataclass(frozen=True)
class Answer:
    text: str
    principles: tuple[str, ...]


@dataclass(frozen=True)
class Topic:
    """Keywords (regexes on lower-case, accent-free text) and the principles they call up."""

    name: str
    principles: tuple[str, ...]
    patterns: tuple[re.Pattern[str], ...]

    def hits(self, text: str) -> int:
        return sum(1 for pattern in self.patterns if pattern.search(text))


def _topic(name: str, principles: tuple[str, ...], *patterns: str) -> Topic:
    return Topic(name, principles, tuple(re.compile(p) for p in patterns))


# fmt: off
TOPICS: tuple[Topic, ...] = (
    _topic("pretrain", ("mission_or_nothing", "colossal_resources"),
           r"\bpre-?train", r"\bfrom scratch\b", r"\bfoundation(al)? models?\b", r"\bagi\b",
           r"\b(our|my|their) own (model|llm)s?\b", r"\bbuild(ing)? (a|an|our|my) (model|llm)",
           r"\bpre-?entrain", r"\bmodeles? (de base|de fondation|fondation)",
           r"\b(notre|nos|mon|leur) propres? (modele|llm)", r"\bde zero\b",
           r"\b(creer|construire|batir) (un|notre|mon) (modele|llm)"),
    _topic("fine_tune", ("plug_into_the_grid", "lever_not_burden"),
           r"\bfine[- ]?tun", r"\blora\b", r"\bdistill", r"\bdistil", r"\baffin(er|age|e)\b",
           r"\bspecialiser\b"),
    _topic("open_weights", ("plug_into_the_grid", "hypercompetitive"),
           r"\bopen[- ]?(source|weights?)\b", r"\bllama\b", r"\bmistral\b", r"\bdeepseek\b",
           r"\bqwen\b", r"\bself[- ]?host", r"\bpoids ouverts\b", r"\bmodeles? ouverts?\b",
           r"\bauto-?heberg", r"\bon[- ]?prem", r"\bsur site\b"),
    _topic("compute", ("colossal_resources",),
           r"\bgpus?\b", r"\bh100s?\b", r"\bcompute\b", r"\bclusters?\b", r"\bnvidia\b",
           r"\bpuissance de calcul\b", r"\bcartes? graphiques?\b", r"\bcalcul\b"),
    _topic("cost", ("colossal_resources", "plug_into_the_grid"),
           r"\bcosts?\b", r"\bbudget", r"\bexpensive\b", r"\bhow much\b", r"\bpric(e|es|ing)\b",
           r"\bcheap", r"\broi\b", r"\bcouts?\b", r"\bcher\b", r"\bcombien\b", r"\bprix\b",
           r"\btarifs?\b", r"\brentab"),
    _topic("investors", ("two_valid_reasons",),
           r"\binvestors?\b", r"\bvcs?\b", r"\bventure\b", r"\bfund-?rais", r"\braise\b",
           r"\braising\b", r"\bvaluation\b", r"\bhype\b", r"\btrend", r"\bboard\b", r"\bpress\b",
           r"\binvestisseurs?\b", r"\blevee", r"\blever des fonds\b", r"\btendance",
           r"\bvalorisation\b", r"\bbuzz\b", r"\bla mode\b", r"\bpresse\b"),
    _topic("api_wrap", ("plug_into_the_grid", "lever_not_burden"),
           r"\bapis?\b", r"\bwrap", r"\bopenai\b", r"\bgpt", r"\bchatgpt\b", r"\bclaude\b",
           r"\banthropic\b", r"\bgemini\b", r"\bxai\b", r"\bgrok\b", r"\bprompt", r"\brag\b",
           r"\bretrieval\b", r"\bvendors?\b", r"\bproviders?\b", r"\bbrancher\b",
           r"\benvelopp", r"\bfournisseurs?\b", r"\bsaas\b", r"\bbuy\b", r"\bacheter\b"),
    _topic("product", ("product_not_model",),
           r"\bproducts?\b", r"\bcustomers?\b", r"\busers?\b", r"\bmoat\b", r"\bdifferentiat",
           r"\bproduits?\b", r"\bclients?\b", r"\butilisateurs?\b", r"\bdifferenci"),
    _topic("competition", ("hypercompetitive",),
           r"\bcompetit", r"\brivals?\b", r"\bcursor\b", r"\bconcurren", r"\bmarket share\b",
           r"\bpart de marche\b"),
    _topic("defense", ("all_in",),
           r"\bdefen[cs]e\b", r"\bgovernment", r"\bmilitary\b", r"\bclassified\b",
           r"\bregulat", r"\bcomplian", r"\bsovereign", r"\bair[- ]?gap", r"\bgouvernement",
           r"\betat\b", r"\bmilitaire", r"\breglement", r"\bsouverain", r"\bconformite\b",
           r"\bclassifie"),
    _topic("talent", ("colossal_resources",),
           r"\bhir(e|es|ing)\b", r"\btalent", r"\bresearchers?\b", r"\bengineers?\b",
           r"\bteam\b", r"\brecrut", r"\bchercheurs?\b", r"\bingenieurs?\b", r"\bequipes?\b"),
    _topic("data", ("lever_not_burden",),
           r"\bdata\b", r"\bdatasets?\b", r"\btokens?\b", r"\bdonnees\b", r"\bcorpus\b"),
)
# fmt: on
DEFAULT_PRINCIPLES: tuple[str, ...] = (
    "plug_into_the_grid",
    "product_not_model",
    "lever_not_burden",
)


def _normalise(question: str) -> str:
    """Lower-case and strip accents, so 'données' and 'donnees' match the same rule."""
    decomposed = unicodedata.normalize("NFKD", question.casefold())
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return text.replace("\u2019", "'")


def matching_topics(question: str) -> list[Topic]:
    """The best topics for ``question``, most keyword hits first (table order breaks ties)."""
    text = _normalise(question)
    scored = [(topic.hits(text), i, topic) for i, topic in enumerate(TOPICS)]
    ranked = sorted((s for s in scored if s[0] > 0), key=lambda s: (-s[0], s[1]))
    return [topic for _, _, topic in ranked[:MAX_TOPICS]]


def answer_offline(question: str, lang: str) -> Answer:
    """Answer in the advisor's voice from the principles that best match the question."""
    topics = matching_topics(question)
    if not topics:
        text = t("advisor.ask.topic.default", lang)
        return Answer(f"{text}\n\n{t('advisor.ask.closing', lang)}", DEFAULT_PRINCIPLES)
    principles: list[str] = []
    for topic in topics:
        principles += [p for p in topic.principles if p not in principles]
    paragraphs = [t(f"advisor.ask.topic.{topic.name}", lang) for topic in topics]
    paragraphs.append(t("advisor.ask.closing", lang))
    return Answer("\n\n".join(paragraphs), tuple(principles))


def usage(lang: str) -> str:
    """What to type, with examples, for an empty ``ask``."""
    return t("advisor.ask.usage", lang)

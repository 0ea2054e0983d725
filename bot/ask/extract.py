"""What a free-form question says about the team, read into answers of the assessment.

"We're 4 developers, no GPUs, 2B tokens a day, regulated bank" becomes ``talent =
software_engineers``, ``compute = none``, ``usage_volume = high``, ``deployment = regulated``,
each with the words it came from (the answer quotes them back, so the user sees what was
assumed). Only question and answer ids of the assessment contract are produced, so the engine
scores them like any partial assessment. Besides the answers: what the question is *about*
(intents such as pre-training or retrieval, used to pick passages), the models and vendors it
names, and the token volume when it gives one (for the cost arithmetic).

Rules are tried per question in order; the first that matches wins. Patterns run on
lower-case, accent-free text (``bot.ask.words.normalise``) in English and French.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from bot.ask.words import normalise

_NUM = r"(\d+(?:[.,]\d+)?(?:[ ]\d{3})*)"
_MULT = (
    r"(k|thousand|thousands|mille|m|mn|mio|million|millions|b|bn|billion|billions|milliards?"
    r"|md|t|trillion|trillions)?(?![a-z])"
)
_MULTIPLIERS: Mapping[str, float] = {
    "k": 1e3,
    "thousand": 1e3,
    "thousands": 1e3,
    "mille": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "mio": 1e6,
    "million": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "billion": 1e9,
    "billions": 1e9,
    "milliard": 1e9,
    "milliards": 1e9,
    "md": 1e9,
    "t": 1e12,
    "trillion": 1e12,
    "trillions": 1e12,
}
_PER_DAY: Mapping[str, float] = {
    "second": 86400,
    "seconde": 86400,
    "minute": 1440,
    "hour": 24,
    "heure": 24,
    "day": 1,
    "jour": 1,
    "week": 1 / 7,
    "semaine": 1 / 7,
    "month": 1 / 30,
    "mois": 1 / 30,
    "year": 1 / 365,
    "an": 1 / 365,
    "annee": 1 / 365,
}
_PERIOD = r"(second|seconde|minute|hour|heure|day|jour|week|semaine|month|mois|year|an|annee)"
_PER = r"(?:a|an|per|each|every|/|par|chaque)\s*"

_TOKENS = re.compile(
    _NUM + r"\s*" + _MULT + r"\s*(?:of |de |d')?tokens?\s*(?:" + _PER + _PERIOD + r")?\b"
)
_MONEY = re.compile(
    r"(?:[$€£]\s*"
    + _NUM
    + r"\s*"
    + _MULT
    + r"|"
    + _NUM
    + r"\s*"
    + _MULT
    + r"\s*(?:[$€£]|dollars?|euros?|usd|eur|k€|k\$))"
    + r"(?:\s*(?:"
    + _PER
    + r"|/\s*)(year|an|annee|yr|month|mois|mo))?"
)
_BUDGET_WORD = re.compile(
    r"\bbudget\w*\s*(?:of|de|:|is|est|d'environ|around)?\s*" + _NUM + r"\s*" + _MULT
)
_GPUS = re.compile(
    _NUM + r"\s*" + _MULT + r"\s*(?:x\s*)?(?:gpus?|h100s?|a100s?|h200s?|b200s?|l40s?"
    r"|cartes? graphiques?)\b"
)


def _amount(number: str, mult: str | None) -> float:
    """ "2,000" is two thousand (English grouping), "1,5" one and a half (French decimal)."""
    digits = number.replace(" ", "")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+", digits):
        digits = digits.replace(",", "")
    value = float(digits.replace(",", "."))
    return value * _MULTIPLIERS.get(mult or "", 1.0)


@dataclass(frozen=True, slots=True)
class Fact:
    """One answer read from the question, and the words it was read from."""

    question: str
    answer: str
    evidence: str


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything the question says that the advisor can use."""

    facts: tuple[Fact, ...] = ()
    intents: tuple[str, ...] = ()
    named: tuple[str, ...] = ()
    tokens_per_day: float | None = None
    team_size: Fact | None = None  # no assessment question asks it: shown, never scored

    @property
    def answers(self) -> dict[str, str]:
        return {f.question: f.answer for f in self.facts}


# (question, answer, pattern): per question, the first that matches wins.
# fmt: off
_RULES: tuple[tuple[str, str, str], ...] = (
    ("talent", "none",
     r"\bno (ai|ml|data|tech\w*|engineering) (team|people|staff|expertise|engineers?|skills)\b"
     r"|\bno (engineers?|developers?|devs|tech team)\b|\bnobody (here )?(who )?(knows|does) (ai|ml)"
     r"|\bpas d'(equipe|expertise|ingenieurs?|competences?|developpeurs?)( (ia|ml|tech\w*))?\b"
     r"|\baucun (ingenieur|developpeur|data scientist)|\bnon[- ]tech\w*"),
    ("talent", "research_lab",
     r"\bresearch (lab|team)\b|\bresearchers\b|\b(have|has|who) (already )?pre-?trained\b|\bphds?\b"
     r"|\blaboratoire de recherche\b|\bchercheurs\b|\bdeja pre-?entraine"),
    ("talent", "ml_engineers",
     r"\bml engineers?\b|\bmachine learning engineers?\b|\bdata scientists?\b|\bml team\b"
     r"|\bequipe ml\b|\bingenieurs? ml\b|\bmlops\b|\bml people\b"),
    ("talent", "software_engineers",
     r"\b(software |backend |full-?stack )?engineers?\b|\bdevelopers?\b|\bdevs?\b"
     r"|\bdeveloppeurs?\b|\bingenieurs?( logiciel)?\b|\bdev team\b|\bequipe (de )?dev\b"),

    ("compute", "none",
     r"\bno gpus?\b|\bwithout (any )?gpus?\b|\bpas de gpus?\b|\baucun gpu|\bsans gpu"
     r"|\bno (hardware|compute)\b|\bpas de (materiel|puissance de calcul)\b"),
    ("compute", "frontier_scale",
     r"\bthousands of (gpus?|h100s?)\b|\bdes milliers de (gpus?|h100)\b|\bfrontier[- ]scale\b"),
    ("compute", "dedicated_cluster",
     r"\bhundreds of (gpus?|h100s?)\b|\bdes centaines de (gpus?|h100)\b|\b(our|own|dedicated) "
     r"(gpu )?cluster\b|\bnotre (propre )?cluster\b|\bcluster dedie\b"),
    ("compute", "on_demand",
     r"\brent(ing)? (some )?(cloud )?gpus?\b|\bcloud gpus?\b|\bgpus? (in the|on) cloud\b"
     r"|\bon[- ]demand\b|\blouer des gpus?\b|\bgpus? (dans le|en) cloud\b|\ba la demande\b"
     r"|\ba few gpus?\b|\bquelques gpus?\b"),

    ("deployment", "air_gapped",
     r"\bair[- ]?gap\w*|\bno internet\b|\boffline\b|\bclassified\b|\bclassifie\w*|\bisole\w*"
     r"|\bsans (acces a )?internet\b|\bhors ligne\b|\bno external (apis?|services?)\b"
     r"|\baucune api externe\b|\bon[- ]?prem\w*|\bon premises?\b|\bsur site\b"
     r"|\bsur nos (propres )?serveurs\b|\bdans nos locaux\b|\bin our own data ?cent(er|re)s?\b"),
    ("deployment", "regulated",
     r"\bregulat\w*|\bcomplian\w*|\bhipaa\b|\bgdpr\b|\brgpd\b|\bsoc ?2\b|\biso ?27001\b"
     r"|\bdata residency\b|\bresidence des donnees\b|\bbank\w*|\bbanques?\b|\bbancaire\b"
     r"|\bhealthcare\b|\bhealth\b|\bhospitals?\b|\bsante\b|\bhopita\w*|\binsurance\b|\binsurer\b"
     r"|\bassurance\w*|\bassureur\b|\bpharma\w*|\bmedical\b|\bmedicale?s?\b|\breglement\w*"
     r"|\bconformite\b|\bpublic sector\b|\bsecteur public\b|\bgovernment\b|\bgouvernement\w*"
     r"|\bdefen[cs]e\b|\bmilitary\b|\bmilitaire\w*|\bin the eu\b|\bdans l'ue\b|\ben europe\b"
     r"|\bsovereign\w*|\bsouverain\w*|\bdonnees de sante\b|\bfintech\b|\bnotaire\w*|\blaw firm\b"),

    ("motivation", "investors",
     r"\binvestors?\b|\bvcs?\b|\bventure capital\w*|\b(our|the) board\b|\bpress\b|\bhype\b"
     r"|\btrend\w*|\bfomo\b|\beveryone (is|else)\b|\binvestisseurs?\b|\bconseil d'administration\b"
     r"|\bla mode\b|\btendance\w*|\bbuzz\b|\bpresse\b|\blevee de fonds\b|\bfund-?rais\w*"),
    ("motivation", "mission",
     r"\bagi\b|\bpush(ing)? the frontier\b|\bour mission\b|\bsuperintelligence\b"
     r"|\brepousser la frontiere\b|\bnotre mission\b"),
    ("motivation", "control",
     r"\bcontrol\b|\bsovereign\w*|\bprivacy\b|\bconfidential\w*|\bown our data\b"
     r"|\bdata (never|must not|can't|cannot) leaves?\b|\bsouverain\w*|\bmaitrise\w*"
     r"|\bconfidentialite\b|\bcontrole\b|\bindependan\w*|\bnot (to )?depend\b|\bne pas dependre\b"),
    ("motivation", "economics",
     r"\bmargins?\b|\bunit economics\b|\bcheaper at (our )?scale\b|\bsave money\b"
     r"|\breduce (our )?(api )?(costs?|bill)\b|\bapi bill\b|\btoo expensive\b|\bmarges?\b"
     r"|\breduire (nos|la|les) (couts?|facture)\b|\bfacture (d'api|api)\b|\btrop cher\b"),

    ("ai_role", "is_the_product",
     r"\b(the )?model is (the|our) product\b|\bwe sell (the|a|our) model\b"
     r"|\bsell (access to )?(our|the) model\b|\ble modele est (le|notre) produit\b"
     r"|\bvendre (notre|le|un) modele\b"),
    ("ai_role", "exploring",
     r"\bexplor\w*|\bwhere to start\b|\bdon'?t know (where|what|if|how)\b|\bno use case\b"
     r"|\bnot sure (where|what|how)\b|\bpar ou commencer\b|\bpas (encore )?de cas d'usage\b"
     r"|\bon ne sait pas\b|\bgetting started\b"),
    ("ai_role", "supporting",
     r"\binternal\w*|\binterne\w*|\bback[- ]office\b|\bour (support|sales|hr|legal|finance|ops"
     r"|operations|accounting) team\b|\bemployees\b|\bproductivity\b|\bproductivite\b"
     r"|\bnos (equipes|salaries|collaborateurs)\b|\bsupport tickets?\b|\btickets? de support\b"
     r"|\bcustomer support\b|\bservice client\b|\bhelpdesk\b"),
    ("ai_role", "differentiator",
     r"\bfeature (in|of|for) our (product|app|saas)\b|\bset us apart\b|\bdifferentiat\w*"
     r"|\bcompetitive edge\b|\bdans notre (produit|application|logiciel)\b|\bnous distingue\w*"
     r"|\bdifferenci\w*|\bfor our customers\b|\bpour nos clients\b"),

    ("data", "web_scale",
     r"\btrillions? of tokens\b|\bweb[- ]scale\b|\bdes billions de tokens\b"
     r"|\bechelle du web\b"),
    ("data", "none",
     r"\bno data\b|\bpas de donnees\b|\baucune donnee\b|\bwithout (any )?data\b"),
    ("data", "large_proprietary",
     r"\b(huge|massive|large|big|unique) (proprietary )?(dataset|data ?set|corpus"
     r"|amount of data)\b|\bpetabytes?\b|\bterabytes?\b|\bbillions of (records|documents|rows)\b"
     r"|\benorme corpus\b|\bgrand corpus\b|\bdonnees massives\b|\bteraoctets?\b|\bpetaoctets?\b"
     r"|\bmillions of (documents|records|contracts|tickets)\b|\bdes millions de (documents"
     r"|contrats|tickets|dossiers)\b"),
    ("data", "domain_documents",
     r"\btickets?\b|\bdocuments?\b|\bdocs\b|\bdocumentation\b|\bcontracts?\b|\bcontrats?\b"
     r"|\brecords\b|\bdossiers?\b|\be-?mails?\b|\bcourriels?\b|\bknowledge base\b"
     r"|\bbase de connaissances?\b|\bwiki\b|\bmanuals?\b|\bmanuels?\b|\bfaqs?\b|\btranscripts?\b"
     r"|\brapports?\b|\breports?\b|\bpdfs?\b|\bfiches?\b"),

    ("time_to_value", "weeks",
     r"\b(in|within|under) (a few |two |2 |three |3 |four |4 )?weeks?\b|\bnext week\b"
     r"|\bthis month\b|\bby (the end of the )?month\b|\basap\b|\bas soon as possible\b"
     r"|\burgent\w*|\ben (quelques )?semaines?\b|\b(en|dans|d'ici|sous) (\d+|deux|trois|quatre"
     r"|quelques) semaines\b|\bce mois\b|\bd'ici (la fin du mois|quelques semaines)\b"
     r"|\bau plus vite\b"),
    ("time_to_value", "quarters",
     r"\b(this|next) quarter\b|\bin (a few|two|three|six|6|3|2) months\b"
     r"|\bby (the end of the year|q[1-4])\b|\bthis year\b|\bce trimestre\b"
     r"|\btrimestre prochain\b|\bdans (quelques|deux|trois|six|6|3|2) mois\b"
     r"|\bd'ici (la fin de l'annee|l'ete)\b|\bcette annee\b"),
    ("time_to_value", "years",
     r"\blong[- ]term\b|\b(in|over) (a few|two|three|several|2|3|5) years\b|\bmulti-?year\b"
     r"|\byears from now\b|\ba long terme\b|\bdans (quelques|plusieurs|deux|trois|\d) ans\b"
     r"|\bsur plusieurs annees\b"),

    ("product", "model_only",
     r"\bno product\b|\bwithout a product\b|\bjust (the|a) model\b|\bmodel only\b"
     r"|\bonly the model\b|\bpas (encore )?de produit\b|\bsans produit\b|\bjuste (le|un) modele\b"),
    ("product", "product_planned",
     r"\b(plan|planning|planned) to (launch|build|ship)\b|\b(an|our) mvp\b|\bprototype\b"
     r"|\bpre-?launch\b|\bnot (yet )?launched\b|\bpas encore lance\b|\bon prevoit\b"
     r"|\bnous prevoyons\b|\ben projet\b"),
    ("product", "full_product",
     r"\b\d[\d,. ]*\s*(k|m)? (users|customers|clients|utilisateurs)\b|\bin production\b"
     r"|\bpaying customers\b|\ben production\b|\bour (saas|app|platform|product)\b"
     r"|\bnotre (plateforme|application|produit|saas)\b|\bclients payants\b"),

    ("differentiation", "yes",
     r"\b(competitors?|anyone|everyone) (could|can|would) (do|build|copy) (the same|it|this)\b"
     r"|\bsame api\b|\bcommodity\b|\bn'importe qui pourrait\b|\bnos concurrents pourraient\b"
     r"|\bla meme api\b"),
    ("differentiation", "no",
     r"\b(no one|nobody) else (has|could)\b|\bunique (data|workflow|access)\b"
     r"|\bproprietary (workflow|process)\b|\bpersonne d'autre\b|\bseuls a (avoir|disposer)\b"),
)

# What the question is about, beyond the team's facts: picks passages, never the verdict.
_INTENTS: tuple[tuple[str, str], ...] = (
    ("pretrain",
     r"\bpre-?train\w*|\bfrom scratch\b|\bfoundation(al)? models?\b|\bown (llm|model|gpt)s?\b"
     r"|\bbuild(ing)? (a|an|our|my) (own )?(llm|model|foundation)|\btrain(ing)? (our|an?|my) "
     r"(own )?(llm|model)|\bpre-?entrain\w*|\bde zero\b|\bpropres? (modele|llm)s?\b"
     r"|\bmodeles? (de base|de fondation|fondation)\b|\b(construire|creer|entrainer|batir) "
     r"(un|notre|mon|nos) (propre )?(modele|llm)"),
    ("fine_tune", r"\bfine[- ]?tun\w*|\blora\b|\bdistill?\w*|\baffin\w*|\bspecialis\w*"),
    ("rag",
     r"\brag\b|\bretrieval\b|\bembeddings?\b|\bvector\w*|\brecherche documentaire\b"
     r"|\bknowledge base\b|\bbase de connaissances\b|\bsearch (our|over|across)\b"),
    ("self_host",
     r"\bself-?host\w*|\bopen[- ]?weights?\b|\bopen[- ]source\b|\bllama\b|\bmistral\b|\bqwen\b"
     r"|\bdeepseek\b|\bgemma\b|\bauto-?heberg\w*|\bpoids ouverts\b|\bhost (it|our own)\b"),
    ("buy",
     r"\bbuy\b|\bsaas\b|\boff[- ]the[- ]shelf\b|\bacheter\b|\bsur etagere\b|\bsubscriptions?\b"
     r"|\babonnements?\b|\bvendors?\b|\bproducts? (on the market|that exists?)\b"),
    ("wrap",
     r"\bwrap\w*|\bapis?\b|\bopenai\b|\bgpt\w*|\bclaude\b|\bgemini\b|\bprompt\w*|\bintegrat\w*"
     r"|\bintegrer\b"),
    ("cost",
     r"\bcosts?\b|\bpric\w*|\bhow much\b|\bexpensive\b|\bcheap\w*|\bbudget\w*|\bbill\b|\broi\b"
     r"|\bcouts?\b|\bcoute\w*|\bprix\b|\bcombien\b|\bcher\b|\bfacture\b|\brentab\w*|\btarifs?\b"),
    ("outage",
     r"\boutages?\b|\bdowntime\b|\bfallback\b|\breliab\w*|\bpannes?\b|\bfiabilite\b|\brepli\b"
     r"|\bgoes down\b|\btombe en panne\b"),
    ("lockin",
     r"\block[- ]?in\b|\bdependen\w*|\bswitch(ing)? (provider|vendor|model)s?\b|\bdependance\b"
     r"|\bverrouill\w*|\bchanger de (fournisseur|modele)\b"),
    ("quality",
     r"\bhallucinat\w*|\baccura\w*|\bquality\b|\bqualite\b|\berreurs?\b|\bfiable\b"
     r"|\bmakes? (things|stuff|answers) up\b|\binvent\w*|\bwrong answers?\b"
     r"|\bfausses? reponses?\b"),
    ("latency", r"\blatenc\w*|\breal[- ]time\b|\btemps reel\b|\bresponse time\b"),
    ("agents", r"\bagents?\b|\bagentic\b|\bagentique\b|\bautomat\w*"),
    ("hire", r"\bhir(e|es|ing)\b|\brecruit\w*|\brecrut\w*|\bembauch\w*"),
    ("evals", r"\bevals?\b|\bevaluat\w*|\bbenchmarks?\b|\bleaderboards?\b|\bclassement\b"),
    ("competition",
     r"\bcompetit\w*|\brivals?\b|\bconcurren\w*|\bcursor\b|\bdeepseek\b"),
    ("license", r"\blicen[cs]e\w*|\bcommercial use\b|\busage commercial\b"),
)

_NAMES: tuple[tuple[str, str], ...] = (
    ("OpenAI", r"\bopenai\b"),
    ("GPT", r"\b(chat)?gpt(-?\d[\w.]*| ?o\d)?\b"),
    ("Claude", r"\bclaude\b"),
    ("Anthropic", r"\banthropic\b"),
    ("Gemini", r"\bgemini\b"),
    ("Gemma", r"\bgemma\b"),
    ("Mistral", r"\bmistral\b"),
    ("Llama", r"\bllama ?[\d.]*\b"),
    ("DeepSeek", r"\bdeepseek\b"),
    ("Qwen", r"\bqwen\b"),
    ("Grok", r"\bgrok\b"),
    ("xAI", r"\bxai\b"),
    ("Cohere", r"\bcohere\b"),
    ("Copilot", r"\bcopilot\b"),
    ("Bedrock", r"\bbedrock\b"),
    ("Azure", r"\bazure\b"),
    ("Hugging Face", r"\bhugging ?face\b"),
)
# fmt: on

_TEAM_SIZE = re.compile(
    r"\b(?:team|equipe) (?:of|de) (\d+)\b|\b(?:we're|we are|nous sommes|on est|on a) (\d+)\b"
    r"|\b(\d+)[- ](?:person|people|personnes|employees|salaries|(?:ml |software )?engineers?"
    r"|developers?|devs?|developpeurs?|ingenieurs?|data scientists?|chercheurs|researchers)\b"
)
_HIRING = re.compile(r"\b(hire|hiring|recruit\w*|recrut\w*|embauch\w*)\W+(\w+\W+){0,3}$")
_COMPILED = tuple((q, a, re.compile(p)) for q, a, p in _RULES)
_INTENTS_COMPILED = tuple((name, re.compile(p)) for name, p in _INTENTS)
_NAMES_COMPILED = tuple((name, re.compile(p)) for name, p in _NAMES)

QUIET_THRESHOLD = 1e6  # tokens a day: under it, "low" volume (assessment.md)
LOUD_THRESHOLD = 5e8  # from half a billion a day, unit cost dominates: "high"
_VOLUME_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "high",
        re.compile(
            r"\bmillions of (users|requests|calls|customers)\b|\bhuge volume\b|\bmassive "
            r"(volume|scale|traffic)\b|\bbillions of tokens\b|\bdes millions d'(utilisateurs"
            r"|appels|requetes)\b|\benorme volume\b|\bgros volumes?\b|\bfort volume\b"
            r"|\bdes milliards de tokens\b"
        ),
    ),
    (
        "low",
        re.compile(
            r"\blow volume\b|\ba few (requests|calls|queries)\b|\bsmall volume\b|\ba handful\b"
            r"|\bquelques (requetes|appels|questions)\b|\bfaible volume\b|\bpetit volume\b"
            r"|\bpeu de (requetes|volume|trafic)\b"
        ),
    ),
)
_SMALL_BUDGET = re.compile(
    r"\b(small|tight|limited|tiny|no|modest) budget\b|\bshoestring\b|\bbootstrapp\w*"
    r"|\bpetit budget\b|\bbudget (serre|limite|modeste|reduit)\b|\bpeu de (budget|moyens)\b"
    r"|\bpas de budget\b|\bpetite? (pme|structure|startup)\b"
)
_BIG_BUDGET = re.compile(
    r"\bdeep pockets\b|\bunlimited budget\b|\bhundreds of millions\b|\bdes centaines de millions\b"
)


def _quote(original: str, match: re.Match[str]) -> str:
    """The words a match came from, as the user typed them (same offsets after normalise)."""
    text = unicodedata.normalize("NFC", original)
    if len(text) == len(match.string):
        return " ".join(text[match.start() : match.end()].split())
    return " ".join(match.group(0).split())


def _volume(text: str, original: str) -> tuple[Fact | None, float | None]:
    found = _TOKENS.search(text)
    if found:
        per_day = _PER_DAY.get(found.group(3) or "", None)
        tokens = _amount(found.group(1), found.group(2))
        if per_day is not None:
            daily = tokens * per_day
            level = "low" if daily < QUIET_THRESHOLD else "medium"
            level = "high" if daily >= LOUD_THRESHOLD else level
            return Fact("usage_volume", level, _quote(original, found)), daily
    for level, pattern in _VOLUME_WORDS:
        if m := pattern.search(text):
            return Fact("usage_volume", level, _quote(original, m)), None
    return None, None


def _budget(text: str, original: str) -> Fact | None:
    for m in _MONEY.finditer(text):
        number, mult = (m.group(1), m.group(2)) if m.group(1) else (m.group(3), m.group(4))
        amount = _amount(number, mult)
        if amount < 1000:
            continue  # "$5 per user" is a price, not a budget
        period = m.group(5) or ""
        if period in ("year", "an", "annee", "yr"):
            amount *= 3  # the assessment asks for three years
        elif period in ("month", "mois", "mo"):
            amount *= 36
        return Fact("budget", _budget_bucket(amount), _quote(original, m))
    if said := _BUDGET_WORD.search(text):
        amount = _amount(said.group(1), said.group(2))
        return Fact("budget", _budget_bucket(amount), _quote(original, said))
    for pattern, bucket in ((_SMALL_BUDGET, "under_100k"), (_BIG_BUDGET, "over_100m")):
        if words := pattern.search(text):
            return Fact("budget", bucket, _quote(original, words))
    return None


def _budget_bucket(amount: float) -> str:
    for limit, bucket in ((1e5, "under_100k"), (1e6, "100k_to_1m"), (1e7, "1m_to_10m")):
        if amount < limit:
            return bucket
    return "10m_to_100m" if amount < 1e8 else "over_100m"


def _gpus(text: str, original: str) -> Fact | None:
    m = _GPUS.search(text)
    if not m:
        return None
    count = _amount(m.group(1), m.group(2))
    if count >= 1000:
        level = "frontier_scale"
    elif count >= 100:
        level = "dedicated_cluster"
    else:
        level = "on_demand"
    return Fact("compute", level, _quote(original, m))


def extract(question: str) -> Facts:
    """The facts, intents, names and token volume a question states (nothing it doesn't)."""
    text = normalise(question)
    facts: dict[str, Fact] = {}
    volume, daily = _volume(text, question)
    if volume:
        facts["usage_volume"] = volume
    if budget := _budget(text, question):
        facts["budget"] = budget
    if gpus := _gpus(text, question):
        facts["compute"] = gpus
    for q, a, pattern in _COMPILED:
        if q in facts:
            continue
        for m in pattern.finditer(text):
            if q == "talent" and _HIRING.search(text[: m.start()]):
                continue  # "should we hire ML engineers?": they don't have them yet
            facts[q] = Fact(q, a, _quote(question, m))
            break
    intents = tuple(name for name, pattern in _INTENTS_COMPILED if pattern.search(text))
    named = tuple(name for name, pattern in _NAMES_COMPILED if pattern.search(text))
    ordered = tuple(sorted(facts.values(), key=lambda f: _ORDER.index(f.question)))
    team = None
    for m in _TEAM_SIZE.finditer(text):
        if not _HIRING.search(text[: m.start()]):
            size = next(g for g in m.groups() if g)
            team = Fact("team_size", size, _quote(question, m))
            break
    return Facts(ordered, intents, named, daily, team)


_ORDER: tuple[str, ...] = (
    "ai_role",
    "motivation",
    "budget",
    "compute",
    "talent",
    "data",
    "time_to_value",
    "deployment",
    "differentiation",
    "product",
    "usage_volume",
)

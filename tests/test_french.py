"""French that a French tech manager would write (issue 14.5): one term per concept (the
glossary heading the French catalog), French typography in the whole catalog and in what the
app renders in French (an assessment result, the help, a digest, the terminal)."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest

from bot.assess_cli import main as terminal
from bot.i18n import catalog, decimal
from bot.jobs.digest import deliver_digests
from bot.workspaces import team_settings
from tests.conftest import CHANNEL, TEAM, USER
from tests.slack_requests import slash_command
from tests.support.answers import HYPED
from tests.support.assessment import results_posted, run_modal
from tests.support.clock import Clock
from tests.support.digest import MONDAY_9AM_PARIS, make_team, numbered, posts, store_news
from tests.support.french import (
    NBSP,
    block_texts,
    french_catalog,
    glossary,
    typography_errors,
    vocabulary_errors,
)

# ------------------------------------------------------------------ the checks themselves


@pytest.mark.parametrize(
    "text",
    [
        "Quoi faire maintenant : rien.",  # plain space before « : »
        "Vraiment ?",
        "Vraiment?",  # no space at all
        "Stop ! Non ; oui.",
        "*Pourquoi :*",
        "Confiance 95 %.",
        "Le mot « centrale » revient.",
        "Acheter  ███░░  0.45",  # a score in a code block still reads 0,45 in French
        "```Acheter  ███░░  0.45```",
        "Vraiment\u202f?",  # one kind of no-break space everywhere: U+00A0
    ],
)
def test_the_typography_check_catches_each_fault(text: str) -> None:
    assert typography_errors(text) != []


@pytest.mark.parametrize(
    "text",
    [
        f"Que faire maintenant{NBSP}?",
        f"*Ont répondu{NBSP}:* {{people}}",
        f"Confiance 95{NBSP}% · 0,45",
        f"Le mot «{NBSP}centrale{NBSP}» revient{NBSP}!?",
        "Format 24 h HH:MM, par exemple 09:00.",  # times are not punctuation
        "Voir <https://news.example/a?b=1|l'article> et https://x.example/y?z",
        f"purge{NBSP}: {{team!r}} n'existe pas",  # a placeholder's conversion is not a « ! »
        "Tapez `ask faut-il affiner ? oui` ici.",  # what the user types is left alone
        "<@U0123> et <#C0123>",
        "version 1.1.0",
    ],
)
def test_the_typography_check_lets_correct_french_through(text: str) -> None:
    assert typography_errors(text) == []


def test_the_glossary_heads_the_french_catalog_with_one_term_per_concept() -> None:
    concepts = {term.concept.split(" (")[0] for term in glossary()}
    assert {"wrap", "fine-tune", "open-weight", "digest", "manager", "admin"} <= concepts
    assert all(term.banned for term in glossary())


@pytest.mark.parametrize(
    ("text", "file"),
    [
        ("Enveloppez un modèle existant.", "advisor.toml"),
        ("Branchez un modèle existant.", "help.toml"),
        ("Ajustez le modèle.", "advisor.toml"),
        ("Adaptez-le et faites-le tourner chez vous.", "advisor.toml"),
        ("Prenez un modèle ouvert.", "advisor.toml"),
        ("Poids ouverts", "news.toml"),
        ("Vous recevez ce digest.", "digest.toml"),
        ("Revue de presse", "home.toml"),
        ("Actualités IA, {date}", "news.toml"),
        ("Les responsables reçoivent la veille.", "digest.toml"),
        ("Un admin peut la rallumer.", "digest.toml"),
        ("La veille en DM.", "digest.toml"),
        ("Revue prévue le 3 mars", "decisions.toml"),
    ],
)
def test_each_variant_the_review_found_is_banned(text: str, file: str) -> None:
    assert vocabulary_errors(text, file) != []


@pytest.mark.parametrize(
    ("text", "file"),
    [
        ("S'appuyer sur un modèle existant.", "advisor.toml"),
        ("Intégrer un modèle via API, puis l'affiner.", "advisor.toml"),
        ("Un modèle à poids ouverts affiné.", "advisor.toml"),
        ("La veille IA, en message privé. `/buildvsbuy digest subscribe`", "digest.toml"),
        ("digest preview : {error}", "news.toml"),  # the command's own name
        ("Seul un administrateur ou un manager.", "settings.toml"),
        ("Le responsable de la décision.", "decisions.toml"),  # the owner keeps its word
    ],
)
def test_the_chosen_terms_pass(text: str, file: str) -> None:
    assert vocabulary_errors(text, file) == []


# ------------------------------------------------------------------------- the catalog


def test_no_french_entry_uses_a_banned_variant() -> None:
    found = {
        key: errors
        for key, value in french_catalog().items()
        if (errors := vocabulary_errors(value, key.split(".")[0] + ".toml"))
    }
    assert found == {}


def test_every_french_entry_follows_french_typography() -> None:
    found = {
        key: errors
        for key, value in french_catalog().items()
        if (errors := typography_errors(value))
    }
    assert found == {}


def test_one_apostrophe_everywhere() -> None:
    curly = [key for key, value in french_catalog().items() if "\u2019" in value]
    assert curly == []


def test_the_lines_that_read_as_translations_are_gone() -> None:
    text = "\n".join(french_catalog().values())
    for clumsy in (
        "Quoi faire",
        "staffer",
        "passez toutes les barres",
        "Mettez-le entre les mains",
        "en trimestres",
        "en semaines",
        "Jusqu'à un million",
    ):
        assert clumsy not in text
    fr = catalog("fr")
    assert fr["advisor.narrative.steps"] == f"*Que faire maintenant{NBSP}?*"
    assert "Vous cochez toutes les cases" in fr["advisor.verdict_line.build"]
    assert fr["advisor.verdict.wrap"] == "S'appuyer sur un modèle existant"


@pytest.mark.parametrize(
    ("reason", "answer", "en", "fr"),
    [
        (
            "budget_small",
            "100k_to_1m",
            ("$100k", "$1M", "three years"),
            ("100\u00a0k$", "1\u00a0M$", "trois ans"),
        ),
        (
            "budget_millions",
            "1m_to_10m",
            ("$1M", "$10M", "three years"),
            ("1\u00a0M$", "10\u00a0M$", "trois ans"),
        ),
        (
            "budget_tens_of_millions",
            "10m_to_100m",
            ("$10M", "$100M", "three years"),
            ("10\u00a0M$", "100\u00a0M$", "trois ans"),
        ),
    ],
)
def test_a_budget_reason_names_the_amount_the_team_chose(reason, answer, en, fr) -> None:
    """ "Up to a million" said nothing: a million what, over when? The answer was a range over
    three years; the reason says it back."""
    for lang, words in (("en", en), ("fr", fr)):
        text = catalog(lang)[f"advisor.reason.{reason}"]
        assert all(w in text for w in words), (lang, text)
    assert catalog("en")[f"advisor.answer.budget.{answer}"]  # the answer it echoes exists


def test_decimals_take_the_languages_separator() -> None:
    assert (decimal(0.456, "en"), decimal(0.456, "fr"), decimal(0, "fr")) == (
        "0.46",
        "0,46",
        "0,00",
    )


# ---------------------------------------------------------------------- rendered French


def test_a_french_assessment_result_in_slack_is_typeset_in_french(send, slack_api, session):
    team_settings(session, TEAM).language = "fr"
    session.commit()
    run_modal(send, slack_api, HYPED, text="assess Chatbot du support")
    [post] = results_posted(slack_api)
    texts = [post["text"], *block_texts(post["blocks"])]
    assert [e for t in texts for e in typography_errors(t)] == []
    joined = "\n".join(texts)
    assert f"95{NBSP}%" in joined and "0,00" in joined and "0.00" not in joined
    assert f"*Que faire maintenant{NBSP}?*" in joined


def test_the_french_help_is_typeset_in_french(send, slack_api, session):
    team_settings(session, TEAM).language = "fr"
    session.commit()
    response = send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    body = json.loads(response.body)
    texts = [body["text"], *block_texts(body.get("blocks", []))]
    assert "s'appuyer sur un modèle existant" in body["text"]
    assert [e for t in texts for e in typography_errors(t)] == []


def test_a_french_digest_is_typeset_in_french(services, slack_api, session):
    services.clock = Clock(MONDAY_9AM_PARIS - timedelta(minutes=1))
    make_team(session, language="fr")
    store_news(session, services.clock.now, numbered(4))
    services.clock.advance(minutes=1)
    deliver_digests(services)
    [message] = posts(slack_api, CHANNEL)
    texts = [message["text"], *block_texts(message["blocks"])]
    assert texts[1].startswith("Veille IA")
    assert [e for t in texts for e in typography_errors(t)] == []


def test_the_french_terminal_writes_decimal_commas() -> None:
    out, err = io.StringIO(), io.StringIO()
    code = terminal(
        ["--answers", "-", "--format", "text", "--lang", "fr"],
        stdin=io.StringIO(json.dumps(HYPED)),
        stdout=out,
        stderr=err,
    )
    assert code == 0, err.getvalue()
    text = out.getvalue()
    assert "0,00" in text and "0.00" not in text
    assert [e for line in text.splitlines() for e in typography_errors(line)] == []

"""A workspace set to French reads French: the settings modal, its errors, the help, advice."""

from __future__ import annotations

import json
import re

from bot.assessment import score_answers
from bot.assessment.advice import narrative
from bot.i18n import catalog
from bot.models import TeamSettings
from bot.team_config.form import TeamConfig
from bot.team_config.store import TeamFeedRef
from bot.views.settings import SettingsScreen, purge_view, settings_view
from tests.conftest import ADMIN, CHANNEL, TEAM, USER
from tests.fakes.blockkit import validate_view
from tests.slack_requests import slash_command, view_submission
from tests.support.settings import fail_delivery


def _texts(node: object) -> list[str]:
    """Every ``text`` a person reads in a view or blocks."""
    if isinstance(node, dict):
        found = [node["text"]] if isinstance(node.get("text"), str) else []
        return found + [t for value in node.values() for t in _texts(value)]
    if isinstance(node, list):
        return [t for value in node for t in _texts(value)]
    return []


def _set_french(send, session, services) -> None:
    send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    session.get(TeamSettings, TEAM).language = "fr"
    session.commit()
    services.forget_team(TEAM)  # as saving the settings modal does


def test_the_settings_modal_is_in_french(send, slack_api, session, services) -> None:
    _set_french(send, session, services)
    send(slash_command("settings", team_id=TEAM, user_id=ADMIN, channel_id=CHANNEL))
    view = slack_api.calls_to("views.open")[-1].params["view"]
    assert (view["title"]["text"], view["submit"]["text"], view["close"]["text"]) == (
        "Réglages",
        "Enregistrer",
        "Annuler",
    )
    texts = _texts(view)
    for french in (
        "Veille IA",
        "Heure locale",
        "Fuseau horaire",
        "Lundi",
        "Dimanche",
        "Ajouter un flux",
        "Langue",
        "Où publier les résultats d'évaluation",
        "Dans le canal",
        "Délai de réexamen par défaut (jours)",
        "Tout supprimer…",
        "Derniers changements",
        "Aucun changement pour l'instant.",
    ):
        assert french in texts, french
    english = set(catalog("en").values()) - set(catalog("fr").values())
    leaked = [text for text in texts if text in english]
    assert leaked == []


def test_failed_digests_are_reported_in_french(send, slack_api, session, services) -> None:
    _set_french(send, session, services)
    fail_delivery(session, TEAM, CHANNEL, "channel_not_found")
    send(slash_command("settings", team_id=TEAM, user_id=ADMIN, channel_id=CHANNEL))
    view = slack_api.calls_to("views.open")[-1].params["view"]
    [problems] = [
        b["text"]["text"]
        for b in view["blocks"]
        if b.get("block_id") == "settings.delivery_problems"
    ]
    assert problems.startswith(
        "*Envois ratés récemment* (visible des administrateurs)\u00a0:\n"
        f"• 2026-03-09 · <#{CHANNEL}> · pas envoyé\u00a0: "
    )
    assert problems.endswith(
        "Je ne trouve pas ce canal. Il est peut-être privé ou supprimé\u00a0: "
        "choisissez-en un autre ou invitez-moi d'abord."
    )


def test_field_errors_are_in_french(send, slack_api, session, services) -> None:
    _set_french(send, session, services)
    values = {"digest_time": {"digest_time": {"type": "timepicker", "selected_time": "7h30"}}}
    response = send(view_submission("settings", values, team_id=TEAM, user_id=ADMIN))
    errors = json.loads(response.body)["errors"]
    assert errors["digest_time"] == "Format 24\u00a0h HH:MM, par exemple 09:00."
    assert errors["digest_enabled"] == "Remplissez ce champ."


def test_the_help_is_in_french_and_lists_settings_for_admins(send, session, services) -> None:
    _set_french(send, session, services)
    reply = json.loads(
        send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL)).body
    )
    line = next(x for x in reply["text"].splitlines() if "/buildvsbuy settings" in x)
    assert line == (
        "• `/buildvsbuy settings` ouvre les réglages\u00a0: veille IA, flux, langue, "
        "rédacteur IA, administrateurs _(administrateurs)_"
    )
    assert "affiche cette aide" in reply["text"]


def test_an_assessment_result_reads_in_french() -> None:
    answers = {
        "ai_role": "supporting",
        "motivation": "none",
        "budget": "under_100k",
        "compute": "none",
        "talent": "software_engineers",
        "data": "none",
        "time_to_value": "weeks",
        "deployment": "any_cloud",
        "differentiation": "yes",
        "product": "full_product",
        "usage_volume": "low",
    }
    text = narrative(score_answers(answers), "fr")
    assert text.startswith("*Acheter.*") or text.startswith("*S'appuyer sur un modèle existant.*")
    assert "Confiance\u00a0: " in text and "*Pourquoi ce verdict\u00a0?*" in text
    assert "*Why.*" not in text and "Confidence" not in text
    assert re.search(r"_\((Se raccorder|Un levier|Un produit)[^)]*\)_", text) is not None


def test_the_delete_confirmation_is_in_french() -> None:
    view = purge_view({"assessments": 4, "slack_bots": 1}, "fr").to_dict()
    texts = "\n".join(_texts(view))
    assert view["title"]["text"] == "Tout supprimer"
    assert "• Évaluations\u00a0: 4" in texts and "• Jetons du bot\u00a0: 1" in texts
    assert "réinstallez-la" in texts


def test_the_modal_fits_slack_in_both_languages_with_many_feeds() -> None:
    feeds = [TeamFeedRef(i, f"https://feeds.example/{i}/" + "x" * 120, None) for i in range(20)]
    for lang in ("en", "fr"):
        view = settings_view(
            SettingsScreen(
                config=TeamConfig(), lang=lang, feeds=feeds, builtin_feeds=14, llm_default_model="m"
            )
        ).to_dict()
        assert validate_view(view) == []
        removal = next(b for b in view["blocks"] if b.get("block_id") == "feed_remove")
        assert removal["element"]["type"] == "multi_static_select"  # more than 10 feeds

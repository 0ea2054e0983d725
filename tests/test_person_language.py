"""Each person's language (issue 16.6): with the admins' leave, views and private replies follow
the person's Slack locale (French for ``fr-*``, English otherwise); channel posts stay in the
team's language. Off by default, so upgrading changes nobody's language."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from bot.cache import TeamCache
from bot.i18n import language_of_locale
from bot.models import Decision, TeamSettings
from tests.conftest import ADMIN, CHANNEL, TEAM, USER
from tests.slack_requests import app_home_opened, block_actions, slash_command, view_submission
from tests.support.decisions import decide_state, metadata, overflow
from tests.support.settings import open_modal, submit

FR_USER = "U0123FRAN"  # Slack set to French (Canada)


@pytest.fixture
def french_person(slack_api) -> str:
    slack_api.add_user(TEAM, FR_USER, name="camille", locale="fr-CA")
    return FR_USER


def _help(send, user: str) -> str:
    response = send(slash_command("help", team_id=TEAM, user_id=user, channel_id=CHANNEL))
    assert response.status == 200
    return json.dumps(json.loads(response.body), ensure_ascii=False)


def _allow(send, slack_api, services) -> None:
    """An admin turns the setting on through the settings modal, as in Slack."""
    view = open_modal(send, slack_api)
    assert submit(send, view, personal_language="on").status == 200
    with services.sessions() as session:
        assert session.get(TeamSettings, TEAM).personal_language is True


def _set_team_language(session, services, language: str) -> None:
    session.get(TeamSettings, TEAM).language = language
    session.commit()
    services.forget_team(TEAM)


@pytest.mark.parametrize(
    ("locale", "expected"),
    [("fr-FR", "fr"), ("fr-CA", "fr"), ("FR", "fr"), ("en-GB", "en"), ("de-DE", "en")],
)
def test_a_slack_locale_gives_french_or_english(locale: str, expected: str) -> None:
    assert language_of_locale(locale) == expected


def test_no_locale_gives_no_language() -> None:
    assert language_of_locale(None) is None
    assert language_of_locale("") is None


def test_off_by_default_everyone_reads_the_teams_language(send, french_person, session) -> None:
    assert "shows this help" in _help(send, french_person)
    assert session.get(TeamSettings, TEAM).personal_language is False


def test_the_setting_is_in_the_modal_and_off_by_default(send, slack_api) -> None:
    view = open_modal(send, slack_api)
    block = next(b for b in view["blocks"] if b.get("block_id") == "personal_language")
    assert block["label"]["text"] == "Each person's language"
    assert block["element"]["initial_option"]["value"] == "off"


def test_allowed_each_person_reads_their_own_language(
    send, slack_api, services, session, french_person
) -> None:
    _allow(send, slack_api, services)
    assert "affiche cette aide" in _help(send, french_person)
    assert "shows this help" in _help(send, USER)  # en-US
    # A French workspace: its French speaker reads French, its en-US person English.
    _set_team_language(session, services, "fr")
    assert "affiche cette aide" in _help(send, french_person)
    assert "shows this help" in _help(send, USER)


def test_the_locale_is_asked_once_per_person_with_include_locale(
    send, slack_api, services, french_person
) -> None:
    _allow(send, slack_api, services)
    before = len(slack_api.calls_to("users.info"))
    for _ in range(3):
        assert "affiche cette aide" in _help(send, french_person)
    asked = [c for c in slack_api.calls_to("users.info")[before:] if c.params["user"] == FR_USER]
    assert len(asked) == 1
    assert str(asked[0].params["include_locale"]).lower() in ("1", "true")


def test_when_slack_cannot_say_the_teams_language_is_used(
    send, slack_api, services, session, french_person
) -> None:
    _allow(send, slack_api, services)
    services.users.forget_team(TEAM)
    _set_team_language(session, services, "fr")
    slack_api.fail("users.info", status=500, times=None)
    assert "affiche cette aide" in _help(send, USER)  # the team's French, not an error


def _save_decision(send, user: str) -> None:
    """``user`` saves a decision they own from the modal opened in CHANNEL."""
    body = view_submission(
        "decisions.save",
        decide_state(owner=user),
        team_id=TEAM,
        user_id=user,
        private_metadata=metadata(CHANNEL),
    )
    assert send(body).status == 200


def test_views_follow_the_person_channel_posts_the_team(
    send, slack_api, services, french_person
) -> None:
    _allow(send, slack_api, services)
    send(slash_command("decide Buy it", team_id=TEAM, user_id=french_person, channel_id=CHANNEL))
    modal = slack_api.calls_to("views.open")[-1].params["view"]
    assert modal["title"]["text"] == "Noter une décision"

    _save_decision(send, french_person)
    posted = [c for c in slack_api.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert posted, "no confirmation in the channel"
    assert "logged a decision" in posted[-1].params["text"]  # the team's English


def test_the_home_tab_follows_each_person(send, slack_api, services, french_person) -> None:
    _allow(send, slack_api, services)
    for user in (french_person, ADMIN):
        assert send(app_home_opened(user, TEAM)).status == 200
    french = json.dumps(slack_api.home_view(TEAM, french_person)["blocks"], ensure_ascii=False)
    english = json.dumps(slack_api.home_view(TEAM, ADMIN)["blocks"], ensure_ascii=False)
    assert "Lancer une évaluation" in french
    assert "Lancer une évaluation" not in english


def test_the_person_cache_is_bounded() -> None:
    cache: TeamCache[int] = TeamCache(60.0, max_entries=2)
    for n, user in enumerate(("U1", "U2", "U3")):
        cache.get(TEAM, user, lambda _, n=n: n)
    fetched: list[str] = []
    assert cache.get(TEAM, "U1", lambda uid: fetched.append(uid) or 9) == 9  # evicted: asked
    assert cache.get(TEAM, "U3", lambda uid: fetched.append(uid) or 9) == 2  # kept
    assert fetched == ["U1"]


def test_the_switch_parses_and_refuses_other_values() -> None:
    from bot.team_config import form as f

    def validate(raw: dict) -> f.FormResult:
        state = {f.DIGEST_ENABLED: "on", f.LANGUAGE: "en", f.RESULT_VISIBILITY: "ephemeral"}
        state |= {f.DIGEST_DAYS: ["mon"], f.DIGEST_TIME: "09:00", f.TIMEZONE: "UTC"}
        state |= {f.DIGEST_ITEMS: "8", f.REVIEW_PERIOD: "90"}
        return f.validate_form(
            state | raw, f.TeamConfig(), llm_available=False, team_feed_ids=set()
        )

    assert validate({f.PERSONAL_LANGUAGE: "on"}).config.personal_language is True
    assert validate({f.PERSONAL_LANGUAGE: "off"}).config.personal_language is False
    # A modal opened before the field existed keeps the current value.
    assert validate({}).ok and validate({}).config.personal_language is False
    refused = validate({f.PERSONAL_LANGUAGE: "maybe"})
    assert set(refused.errors) == {f.PERSONAL_LANGUAGE}
    assert refused.config.personal_language is False


def test_a_decisions_thread_hears_the_team_the_person_their_own(
    send, slack_api, services, french_person
) -> None:
    """Reversing a decision: the person's confirmation in French, its thread (the channel
    reads it) in the team's English."""
    _allow(send, slack_api, services)
    _save_decision(send, french_person)
    [logged] = [c for c in slack_api.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
    with services.sessions() as session:
        decision_id = session.scalar(select(func.max(Decision.id)))
    click = block_actions(
        [overflow(f"reverse:{decision_id}")],
        team_id=TEAM,
        user_id=french_person,
        channel_id=CHANNEL,
        response_url=slack_api.response_url(TEAM, CHANNEL),
        trigger_id=slack_api.new_trigger_id(),
    )
    assert send(click).status == 200
    [private] = slack_api.calls_to("response_url")
    assert private.params["text"].startswith("Marquée annulée")
    thread = [
        c
        for c in slack_api.calls_to("chat.postMessage")
        if c.params.get("thread_ts") and c.params["channel"] == CHANNEL
    ]
    assert thread, "nothing in the decision's thread"
    assert "Marked reversed" in thread[-1].params["text"]
    assert "Marquée" not in thread[-1].params["text"]
    assert logged.params["text"]  # the thread's first message, in the channel

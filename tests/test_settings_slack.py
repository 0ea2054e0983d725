"""``/buildvsbuy settings`` through signed requests against the fake Slack API."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from bot.models import (
    AuditEntry,
    DigestRecipient,
    Feed,
    TeamAdmin,
    TeamFeed,
    TeamSettings,
    Workspace,
)
from bot.services import Services
from bot.team_config import form as f
from bot.views.ids import SETTINGS_PROBLEMS_BLOCK as PROBLEMS_BLOCK
from tests.conftest import ADMIN, CHANNEL, OTHER_TEAM, TEAM, USER
from tests.fakes.blockkit import validate_view
from tests.fakes.feed_server import FeedServer
from tests.slack_requests import slash_command
from tests.support.settings import (
    block,
    errors_of,
    fail_delivery,
    initial,
    open_modal,
    submit,
)

OPTION_TEXT = {"type": "plain_text", "text": "x"}


@pytest.fixture
def services(slack_settings, sessions, engines, db_name) -> Services:
    """The conftest's services, allowed to read feeds from the local test server."""
    settings = slack_settings.model_copy(update={"FEEDS_ALLOW_PRIVATE_ADDRESSES": True})
    return Services(settings=settings, engine=engines[db_name], sessions=sessions)


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


def audit_count(session) -> int:
    return session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.team_id == TEAM)
    )


def ephemerals(slack_api) -> list[str]:
    return [c.params["text"] for c in slack_api.calls_to("chat.postEphemeral")]


# ----------------------------------------------------------------------- who may


def test_admin_opens_the_modal_with_the_current_values(send, slack_api, session) -> None:
    send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    row = session.get(TeamSettings, TEAM)
    row.digest_time, row.digest_days, row.digest_items = "10:15", "tue,fri", 5
    session.add(DigestRecipient(team_id=TEAM, user_id=USER, role="manager"))
    session.commit()
    view = open_modal(send, slack_api)
    assert block(view, f.DIGEST_TIME)["element"]["initial_time"] == "10:15"
    assert initial(block(view, f.DIGEST_DAYS)["element"]) == ["tue", "fri"]
    assert block(view, f.DIGEST_ITEMS)["element"]["initial_value"] == "5"
    assert block(view, f.MANAGERS)["element"]["initial_users"] == [USER]
    # No installer known: the time zone defaults to the admin's own (the fake's Europe/Paris).
    assert block(view, f.TIMEZONE)["element"]["initial_value"] == "Europe/Paris"
    assert json.loads(view["private_metadata"]) == {"channel": CHANNEL}
    assert view["title"]["text"] == "Settings"


def test_a_non_admin_is_told_whom_to_ask_and_gets_no_modal(send, slack_api, session) -> None:
    send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    session.add(TeamAdmin(team_id=TEAM, user_id="U0LISTED1"))
    session.commit()
    url = slack_api.response_url(TEAM, CHANNEL)
    send(
        slash_command("settings", team_id=TEAM, user_id=USER, channel_id=CHANNEL, response_url=url)
    )
    assert slack_api.calls_to("views.open") == []
    [reply] = slack_api.calls_to("response_url")
    assert reply.params["text"] == "Only an admin can do that. Ask <@U0LISTED1>."


@pytest.mark.parametrize("how", ["app_admin_list", "installer"])
def test_the_app_admin_list_and_the_installer_count_as_admins(
    send, slack_api, session, how: str
) -> None:
    send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    if how == "installer":
        session.get(Workspace, TEAM).installer_user_id = USER
    else:
        session.add(TeamAdmin(team_id=TEAM, user_id=USER, added_by=ADMIN))
    session.commit()
    view = open_modal(send, slack_api, user=USER)
    assert view["callback_id"] == "settings"


def test_a_forged_submission_from_a_non_admin_changes_nothing(send, slack_api, session) -> None:
    view = open_modal(send, slack_api)
    response = submit(send, view, user=USER, language="fr", admins=[USER])
    body = json.loads(response.body)
    assert body["response_action"] == "update"
    assert validate_view(body["view"]) == []
    assert "Only an admin can do that." in json.dumps(body["view"])
    session.expire_all()
    assert session.get(TeamSettings, TEAM).language == "en"
    assert session.scalars(select(TeamAdmin.user_id)).all() == []
    [refused] = session.scalars(select(AuditEntry).where(AuditEntry.team_id == TEAM)).all()
    assert (refused.user_id, refused.action) == (USER, "admin.refused")  # audited, not applied
    assert ephemerals(slack_api) == []


# ----------------------------------------------------------------------- saving


def test_admin_edits_saves_and_it_takes_effect_at_once(send, slack_api, session) -> None:
    view = open_modal(send, slack_api)
    response = submit(
        send,
        view,
        language="fr",
        digest_time="07:45",
        digest_days=["fri", "tue"],
        timezone="asia/tokyo",
        digest_items="5",
        managers=[USER],
        admins=[USER],
        result_visibility="channel",
        review_period="30",
    )
    assert (response.status, response.body) == (200, "")
    session.expire_all()
    row = session.get(TeamSettings, TEAM)
    assert (
        row.language,
        row.digest_time,
        row.digest_days,
        row.timezone,
        row.digest_items,
        row.result_visibility,
        row.review_period_days,
    ) == ("fr", "07:45", "tue,fri", "Asia/Tokyo", 5, "channel", 30)
    assert session.scalars(
        select(DigestRecipient.user_id).where(DigestRecipient.role == "manager")
    ).all() == [USER]
    assert session.scalars(select(TeamAdmin.user_id)).all() == [USER]
    [line] = ephemerals(slack_api)
    assert line.startswith("Réglages enregistrés. *Jours*\u00a0: Lundi → Mardi, Vendredi\u00a0; ")
    assert "\u00a0; *Heure locale*\u00a0: 09:00 → 07:45\u00a0; " in line
    assert "\u00a0; *Langue*\u00a0: English → Français\u00a0; " in line
    [call] = slack_api.calls_to("chat.postEphemeral")
    assert (call.params["channel"], call.params["user"]) == (CHANNEL, ADMIN)
    # The next message is already in French, and the new app admin is one.
    help_reply = send(slash_command("help", team_id=TEAM, user_id=USER, channel_id=CHANNEL))
    assert "affiche cette aide" in json.loads(help_reply.body)["text"]
    open_modal(send, slack_api, user=USER)


def test_the_audit_entry_has_who_when_and_each_field_before_and_after(
    send, slack_api, session, services
) -> None:
    view = open_modal(send, slack_api)
    submit(send, view, digest_time="08:00", digest_enabled="off", managers=[USER])
    entry = session.scalars(select(AuditEntry).where(AuditEntry.team_id == TEAM)).one()
    assert (entry.user_id, entry.action) == (ADMIN, "settings.update")
    assert entry.changes == {
        "digest_enabled": {"before": True, "after": False},
        "digest_time": {"before": "09:00", "after": "08:00"},
        "managers": {"before": [], "after": [USER]},
    }
    assert abs((entry.created_at - services.clock()).total_seconds()) < 60


def test_admins_see_the_last_changes_at_the_bottom_of_the_modal(send, slack_api) -> None:
    view = open_modal(send, slack_api)
    submit(send, view, digest_items="3")
    view = open_modal(send, slack_api)
    submit(send, view, review_period="60")
    blocks = open_modal(send, slack_api)["blocks"]
    assert blocks[-3]["text"]["text"] == "Recent changes"
    newest, older = (b["elements"][0]["text"] for b in blocks[-2:])
    assert newest.startswith(f"<@{ADMIN}>, <!date^")
    assert newest.endswith(" UTC>: *Default review period (days)*: 90 → 60")
    assert older.endswith(" UTC>: *Stories per digest*: 8 → 3")


def test_saving_without_a_change_says_so_and_audits_nothing(send, slack_api, session) -> None:
    view = open_modal(send, slack_api)
    submit(send, view)
    assert ephemerals(slack_api) == ["Settings saved. Nothing changed."]
    assert audit_count(session) == 0


def test_the_confirmation_falls_back_to_a_dm_where_the_bot_cannot_post(send, slack_api) -> None:
    slack_api.add_channel(TEAM, "C0ELSEWHR", bot_member=False)
    response = send(slash_command("settings", team_id=TEAM, user_id=ADMIN, channel_id="C0ELSEWHR"))
    assert response.status == 200
    view = slack_api.calls_to("views.open")[-1].params["view"]
    submit(send, view, digest_items="4")
    [dm] = slack_api.calls_to("chat.postMessage")
    assert dm.params["channel"] == ADMIN
    assert dm.params["text"].startswith("Settings saved.")


# ----------------------------------------------------------------------- delivery problems


def test_admins_see_their_teams_failed_digests_beside_the_channel(send, slack_api, session) -> None:
    fail_delivery(session, TEAM, CHANNEL, "not_in_channel")
    fail_delivery(session, OTHER_TEAM, "C0THEIRS1", "channel_not_found")
    view = open_modal(send, slack_api)
    ids = [b.get("block_id") for b in view["blocks"]]
    assert ids.index(PROBLEMS_BLOCK) == ids.index(f.DIGEST_CHANNEL) + 1
    assert block(view, PROBLEMS_BLOCK)["text"]["text"] == (
        "*Recent delivery problems* (admins see this):\n"
        f"• 2026-03-09 · <#{CHANNEL}> · not sent: I'm not in that channel yet. "
        "Invite me with `/invite @Build-vs-Buy Advisor`, then try again."
    )
    assert "C0THEIRS1" not in json.dumps(view)
    assert validate_view(view) == []


def test_without_failures_of_its_own_a_team_sees_none(send, slack_api, session) -> None:
    fail_delivery(session, OTHER_TEAM, "C0THEIRS1", "channel_not_found")
    view = open_modal(send, slack_api)
    assert PROBLEMS_BLOCK not in {b.get("block_id") for b in view["blocks"]}
    assert "delivery problems" not in json.dumps(view)


# ----------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("edits", "expected"),
    [
        ({"digest_time": "24:00"}, {"digest_time": "Use 24-hour HH:MM, like 09:00."}),
        (
            {"timezone": "Mars/Olympus"},
            {
                "timezone": "Unknown time zone. Use an IANA name such "
                "as Europe/Paris or America/New_York."
            },
        ),
        ({"digest_items": "0"}, {"digest_items": "Enter a whole number between 1 and 20."}),
        ({"review_period": "9999"}, {"review_period": "Enter a whole number between 1 and 730."}),
        ({"digest_days": []}, {"digest_days": "Pick at least one day."}),
        (
            {"language": "de", "digest_items": "99"},
            {
                "language": "Pick one of the options.",
                "digest_items": "Enter a whole number between 1 and 20.",
            },
        ),
        ({"feed_add": "ftp://example.com/rss"}, {"feed_add": "Enter an http or https URL."}),
        (
            {"feed_add": "https://huggingface.co/blog/feed.xml"},
            {"feed_add": "Every team already gets this feed."},
        ),
    ],
)
def test_each_error_shows_on_its_field_and_nothing_is_saved(
    send, slack_api, session, edits, expected
) -> None:
    view = open_modal(send, slack_api)
    response = submit(send, view, managers=[USER], **edits)
    assert errors_of(response) == expected
    assert audit_count(session) == 0
    assert session.scalars(select(DigestRecipient)).all() == []
    assert ephemerals(slack_api) == []


@pytest.mark.parametrize(
    ("channel", "kwargs", "expected"),
    [
        (
            "C0NOTMEMB",
            {"bot_member": False},
            "I'm not in this channel. Invite me with /invite "
            "@Build-vs-Buy Advisor, then save again.",
        ),
        ("C0ARCHIVE", {"is_archived": True}, "This channel is archived. Pick another one."),
        (
            "C0GONE000",
            None,
            "I can't see this channel. If it's private, invite me with /invite "
            "@Build-vs-Buy Advisor, then save again.",
        ),
    ],
)
def test_a_channel_the_bot_cannot_post_in_says_how_to_fix_it(
    send, slack_api, session, channel, kwargs, expected
) -> None:
    if kwargs is not None:
        slack_api.add_channel(TEAM, channel, **kwargs)
    view = open_modal(send, slack_api)
    response = submit(send, view, digest_channel=channel)
    assert errors_of(response) == {"digest_channel": expected}
    session.expire_all()
    assert session.get(TeamSettings, TEAM).digest_channel_id is None


def test_a_channel_the_bot_is_in_is_saved(send, slack_api, session) -> None:
    view = open_modal(send, slack_api)
    submit(send, view, digest_channel=CHANNEL)
    session.expire_all()
    assert session.get(TeamSettings, TEAM).digest_channel_id == CHANNEL
    assert [c.params["channel"] for c in slack_api.calls_to("conversations.info")] == [CHANNEL]


# ----------------------------------------------------------------------- feeds


def test_a_good_feed_is_added_and_can_be_removed(send, slack_api, session, feeds) -> None:
    url = feeds.url("/rss2.xml")
    view = open_modal(send, slack_api)
    assert submit(send, view, feed_add=url).body == ""
    feed = session.scalars(select(Feed)).one()
    assert (feed.url, feed.title) == (url, "Main AI News")
    assert session.scalars(select(TeamFeed.feed_id).where(TeamFeed.team_id == TEAM)).all() == [
        feed.id
    ]
    assert "+" + url in ephemerals(slack_api)[-1]

    view = open_modal(send, slack_api)
    removal = block(view, f.FEED_REMOVE)["element"]
    assert [o["value"] for o in removal["options"]] == [str(feed.id)]
    assert removal["options"][0]["text"]["text"] == "Main AI News"
    submit(send, view, feed_remove=[str(feed.id)])
    session.expire_all()
    assert session.scalars(select(TeamFeed).where(TeamFeed.team_id == TEAM)).all() == []
    entries = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [e.changes["feeds"] for e in entries] == [
        {"before": [], "after": [url]},
        {"before": [url], "after": []},
    ]


def test_a_feed_that_fails_to_parse_is_refused_on_its_field(
    send, slack_api, session, feeds
) -> None:
    view = open_modal(send, slack_api)
    response = submit(send, view, feed_add=feeds.url("/not-xml.xml"), digest_items="3")
    message = errors_of(response)["feed_add"]
    assert message.startswith("I can't use this feed: not a readable RSS or Atom feed")
    assert session.scalars(select(Feed)).all() == []
    session.expire_all()
    assert session.get(TeamSettings, TEAM).digest_items == 8  # nothing else saved either


def test_slow_checks_never_keep_slack_waiting_3_seconds(send, slack_api, session, feeds) -> None:
    slack_api.delay("conversations.info", 4.0)
    view = open_modal(send, slack_api)
    started = time.monotonic()
    response = submit(send, view, feed_add=feeds.url("/hang.xml"), digest_channel=CHANNEL)
    elapsed = time.monotonic() - started
    errors = errors_of(response)
    assert elapsed < 3.0
    assert errors["digest_channel"] == "This took too long to check. Save again."
    assert errors["feed_add"].startswith("I can't use this feed: too slow, gave up")


# ----------------------------------------------------------------------- the LLM switch


def test_without_an_operator_key_there_is_no_llm_switch(send, slack_api) -> None:
    view = open_modal(send, slack_api)
    ids = {b.get("block_id") for b in view["blocks"]}
    assert f.LLM_ENABLED not in ids and f.LLM_MODEL not in ids
    assert "The operator hasn't configured an LLM" in json.dumps(view)


def test_with_an_operator_key_admins_switch_the_llm_and_pick_a_model(
    send, slack_api, session, services
) -> None:
    services.settings = services.settings.model_copy(
        update={"OPENAI_API_KEY": "sk-test", "OPENAI_ALLOWED_MODELS": "gpt-4o-mini,llama3.1:8b"}
    )
    view = open_modal(send, slack_api)
    assert "gpt-4o-mini" in block(view, f.LLM_MODEL)["hint"]["text"]
    assert errors_of(submit(send, view, llm_model="bad model!")) == {
        "llm_model": "Use a model name such as gpt-4o-mini: letters, digits and . _ : / - only."
    }
    submit(send, view, llm_enabled="off", llm_model="llama3.1:8b")
    session.expire_all()
    row = session.get(TeamSettings, TEAM)
    assert (row.llm_enabled, row.llm_model) == (False, "llama3.1:8b")

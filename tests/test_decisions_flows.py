"""The decision log through signed requests: decide, list, page, filter, change, export, Home."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.models import Decision
from bot.workspaces import team_settings
from tests.conftest import ADMIN, CHANNEL, TEAM, USER
from tests.slack_requests import (
    app_home_opened,
    block_actions,
    button,
    slash_command,
    view_submission,
)
from tests.support.clock import Clock
from tests.support.decisions import (
    NOW,
    count_decisions,
    decide_state,
    events_of,
    make_assessment,
    make_decision,
    metadata,
    overflow,
    posted_texts,
)
from tests.support.slack import press

BYSTANDER = "U0123BYST"  # in the workspace, neither owner, creator nor admin


@pytest.fixture(autouse=True)
def _bystander_and_clock(clock: Clock, slack_api) -> None:
    slack_api.add_user(TEAM, BYSTANDER, name="bo")


def _command(send, slack_api, text: str, user: str = USER):
    url = slack_api.response_url(TEAM, CHANNEL)
    return send(
        slash_command(text, team_id=TEAM, user_id=user, channel_id=CHANNEL, response_url=url)
    )


def _submit(send, state: dict, meta: str = "", user: str = USER):
    return send(
        view_submission("decisions.save", state, team_id=TEAM, user_id=user, private_metadata=meta)
    )


def _last_view(slack_api) -> dict:
    return slack_api.calls_to("views.open")[-1].params["view"]


def _block(view: dict, block_id: str) -> dict:
    return next(b for b in view["blocks"] if b.get("block_id") == block_id)


# ------------------------------------------------------------------------- record


def test_decide_opens_the_modal_with_the_title_and_a_default_review_date(send, slack_api):
    response = _command(send, slack_api, "decide Buy speech-to-text")
    assert response.status == 200
    view = _last_view(slack_api)
    assert view["callback_id"] == "decisions.save"
    assert _block(view, "title")["element"]["initial_value"] == "Buy speech-to-text"
    assert _block(view, "owner")["element"]["initial_user"] == USER
    # 1 December 2026 + the default review period of 90 days.
    assert _block(view, "review_date")["element"]["initial_date"] == "2027-03-01"
    assert json.loads(view["private_metadata"])["c"] == CHANNEL


def test_saving_records_the_decision_confirms_in_the_channel_and_refreshes_home(
    send, slack_api, session
):
    response = _submit(send, decide_state(participants=(ADMIN,)), metadata(CHANNEL))
    assert response.status == 200 and response.body == ""
    [decision] = session.scalars(select(Decision).where(Decision.team_id == TEAM)).all()
    assert (
        decision.title,
        decision.verdict,
        decision.owner_id,
        decision.status,
        decision.review_date.isoformat(),
        decision.participants,
        decision.created_by,
    ) == ("Buy a transcription API", "buy", USER, "decided", "2027-03-01", [ADMIN], USER)
    [post] = slack_api.calls_to("chat.postMessage")
    assert post.params["channel"] == CHANNEL
    assert "Buy a transcription API" in post.params["text"]
    assert slack_api.home_view(TEAM, USER) is not None
    [event] = events_of(session, decision.id)
    assert (event.action, event.user_id) == ("created", USER)
    assert event.changes["title"] == {"before": None, "after": "Buy a transcription API"}


def test_confirmation_goes_by_dm_when_the_bot_is_not_in_the_channel(send, slack_api, session):
    slack_api.add_channel(TEAM, "C0NOTMEMB", bot_member=False)
    _submit(send, decide_state(), metadata("C0NOTMEMB"))
    assert count_decisions(session, TEAM) == 1
    channels = [c.params["channel"] for c in slack_api.calls_to("chat.postMessage")]
    assert channels == ["C0NOTMEMB", USER]


@pytest.mark.parametrize(
    ("state", "block", "says"),
    [
        (decide_state(title=""), "title", "Give the decision a title."),
        (decide_state(title="   "), "title", "Give the decision a title."),
        (decide_state(title="x" * 151), "title", "150 characters or fewer"),
        (decide_state(review="2026-11-30"), "review_date", "in the past"),
        (decide_state(owner="U0BOT0001"), "owner", "A bot can't own a decision"),
        (decide_state(owner="U0GONE001"), "owner", "deactivated"),
        (decide_state(owner="U0NOBODY1"), "owner", "can't find that person"),
        (decide_state(verdict=None), "verdict", "Pick a verdict"),
    ],
    ids=["empty", "blank", "151-chars", "past-date", "bot", "deactivated", "unknown", "verdict"],
)
def test_invalid_fields_are_reported_on_the_field_and_nothing_is_saved(
    send, slack_api, session, state, block, says
):
    slack_api.add_user(TEAM, "U0GONE001", deleted=True)
    response = _submit(send, state, metadata(CHANNEL))
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert says in body["errors"][block]
    assert count_decisions(session, TEAM) == 0
    assert slack_api.calls_to("chat.postMessage") == []


def test_exactly_150_characters_and_today_are_accepted(send, session):
    response = _submit(send, decide_state(title="x" * 150, review="2026-12-01"))
    assert response.body == ""
    assert count_decisions(session, TEAM) == 1


def test_the_review_date_is_checked_in_the_teams_time_zone(send, session):
    # 10:00 UTC on 1 December is already 2 December in Kiritimati (UTC+14).
    team_settings(session, TEAM).timezone = "Pacific/Kiritimati"
    session.commit()
    body = json.loads(_submit(send, decide_state(title="late", review="2026-12-01")).body)
    assert "review_date" in body["errors"]


# ------------------------------------------------------------------------- browse


def _entries(blocks: list[dict]) -> list[str]:
    return [
        b["text"]["text"].split("\n")[0]
        for b in blocks
        if b.get("block_id", "").startswith("decision-")
    ]


def _buttons(blocks: list[dict]) -> list[str]:
    return [e["action_id"] for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_decisions_are_listed_newest_first_ten_a_page_with_next_and_previous(
    send, slack_api, session
):
    for n in range(23):
        make_decision(session, title=f"Decision {n:02d}", when=NOW + timedelta(minutes=n))
    _command(send, slack_api, "decisions")
    first = slack_api.calls_to("response_url")[-1].params
    assert first["response_type"] == "ephemeral"
    assert _entries(first["blocks"]) == [f"*Decision {n:02d}*" for n in range(22, 12, -1)]
    assert _buttons(first["blocks"]) == ["decisions.page.next"]
    next_value = first["blocks"][-1]["elements"][0]["value"]

    press(send, slack_api, button("decisions.page.next", next_value))
    second = slack_api.calls_to("response_url")[-1].params
    assert second["replace_original"] is True
    assert _entries(second["blocks"]) == [f"*Decision {n:02d}*" for n in range(12, 2, -1)]
    assert _buttons(second["blocks"]) == ["decisions.page.previous", "decisions.page.next"]

    third_value = second["blocks"][-1]["elements"][1]["value"]
    press(send, slack_api, button("decisions.page.next", third_value))
    third = slack_api.calls_to("response_url")[-1].params
    assert _entries(third["blocks"]) == ["*Decision 02*", "*Decision 01*", "*Decision 00*"]
    assert _buttons(third["blocks"]) == ["decisions.page.previous"]


def test_words_filter_title_and_rationale_and_survive_paging(send, slack_api, session):
    make_decision(session, title="Buy GPU capacity for inference", when=NOW)
    make_decision(
        session,
        title="Wrap a model",
        rationale="No GPU budget this year",
        when=NOW + timedelta(minutes=1),
    )
    make_decision(session, title="Fine-tune for legal search", when=NOW + timedelta(minutes=2))
    for n in range(11):
        make_decision(session, title=f"Vendor gpu review {n}", when=NOW + timedelta(hours=n + 1))
    _command(send, slack_api, "decisions budget")
    [only] = [_entries(slack_api.calls_to("response_url")[-1].params["blocks"])]
    assert only == ["*Wrap a model*"]

    _command(send, slack_api, "decisions GPU")
    page = slack_api.calls_to("response_url")[-1].params["blocks"]
    assert len(_entries(page)) == 10 and "“GPU”" in page[0]["text"]["text"]
    value = json.loads(page[-1]["elements"][0]["value"])
    assert value == {"p": 2, "w": "GPU"}
    press(send, slack_api, button("decisions.page.next", json.dumps(value)))
    rest = _entries(slack_api.calls_to("response_url")[-1].params["blocks"])
    assert rest == ["*Vendor gpu review 0*", "*Wrap a model*", "*Buy GPU capacity for inference*"]


def test_no_match_says_so(send, slack_api, session):
    make_decision(session, title="Buy a CRM copilot")
    _command(send, slack_api, "decisions blockchain")
    assert "Nothing matches" in posted_texts(slack_api)[-1]


# ------------------------------------------------------------------------- change


def test_owner_marks_revisiting_and_reversed_with_history(send, slack_api, session):
    decision = make_decision(session, owner_id=BYSTANDER, user_id=ADMIN)
    press(send, slack_api, overflow(f"revisit:{decision.id}"), user=BYSTANDER)
    press(send, slack_api, overflow(f"reverse:{decision.id}"), user=BYSTANDER)
    session.expire_all()
    assert session.get(Decision, decision.id).status == "reversed"
    actions = [(e.action, e.user_id, e.changes) for e in events_of(session, decision.id)]
    assert actions[1:] == [
        ("revisiting", BYSTANDER, {"status": {"before": "decided", "after": "revisiting"}}),
        ("reversed", BYSTANDER, {"status": {"before": "revisiting", "after": "reversed"}}),
    ]
    assert "Marked reversed" in posted_texts(slack_api)[-1]


def test_someone_else_cannot_change_a_decision_but_an_admin_can(send, slack_api, session):
    decision = make_decision(session)  # logged and owned by USER
    press(send, slack_api, overflow(f"reverse:{decision.id}"), user=BYSTANDER)
    session.expire_all()
    assert session.get(Decision, decision.id).status == "decided"
    assert len(events_of(session, decision.id)) == 1
    assert "Only the owner" in posted_texts(slack_api)[-1]

    press(send, slack_api, overflow(f"reverse:{decision.id}"), user=ADMIN)
    session.expire_all()
    assert session.get(Decision, decision.id).status == "reversed"


def test_edit_by_the_owner_keeps_before_and_after(send, slack_api, session):
    decision = make_decision(session, title="Wrap GPT for support", verdict="wrap")
    press(send, slack_api, overflow(f"edit:{decision.id}"))
    view = _last_view(slack_api)
    assert _block(view, "title")["element"]["initial_value"] == "Wrap GPT for support"
    assert json.loads(view["private_metadata"])["e"] == decision.id
    state = decide_state(title="Buy a support suite", verdict="buy", rationale="", review=None)
    response = _submit(send, state, view["private_metadata"])
    assert response.body == ""
    session.expire_all()
    assert (
        session.get(Decision, decision.id).title,
        session.get(Decision, decision.id).verdict,
    ) == ("Buy a support suite", "buy")
    edit = events_of(session, decision.id)[-1]
    assert (edit.action, edit.user_id) == ("edited", USER)
    assert edit.changes == {
        "title": {"before": "Wrap GPT for support", "after": "Buy a support suite"},
        "verdict": {"before": "wrap", "after": "buy"},
    }


def test_edit_by_a_non_owner_is_refused_in_the_modal_and_changes_nothing(send, slack_api, session):
    decision = make_decision(session, title="Keep")
    press(send, slack_api, overflow(f"edit:{decision.id}"), user=BYSTANDER)
    assert slack_api.calls_to("views.open") == []
    body = json.loads(
        _submit(
            send, decide_state(title="Hijacked"), metadata(edit=decision.id), user=BYSTANDER
        ).body
    )
    assert "Only the owner" in body["errors"]["title"]
    session.expire_all()
    assert session.get(Decision, decision.id).title == "Keep"
    assert len(events_of(session, decision.id)) == 1


def test_supersede_links_the_new_decision_and_retires_the_old(send, slack_api, session):
    old = make_decision(session, title="Build our own model", verdict="build")
    press(send, slack_api, overflow(f"supersede:{old.id}"))
    view = _last_view(slack_api)
    assert "Build our own model" in json.dumps(view["blocks"][0])
    _submit(
        send, decide_state(title="Wrap an open model", verdict="wrap"), view["private_metadata"]
    )
    session.expire_all()
    new = session.scalar(select(Decision).where(Decision.title == "Wrap an open model"))
    old = session.get(Decision, old.id)
    assert (old.status, old.superseded_by_id) == ("superseded", new.id)
    retired = events_of(session, old.id)[-1]
    assert (retired.action, retired.changes["superseded_by_id"]["after"]) == ("superseded", new.id)
    assert events_of(session, new.id)[0].changes["supersedes"] == {"before": None, "after": old.id}
    # Superseding it again is refused, and nothing more is created.
    _submit(send, decide_state(title="Third"), metadata(supersedes=old.id))
    assert count_decisions(session, TEAM) == 2


# ------------------------------------------------------------------------- assessment


def test_save_as_decision_prefills_from_the_assessment(send, slack_api, session):
    assessment = make_assessment(session, title="Support bot", verdict="wrap")
    press(send, slack_api, button("decision.from_assessment", str(assessment.id)))
    view = _last_view(slack_api)
    assert _block(view, "title")["element"]["initial_value"] == "Support bot"
    assert _block(view, "verdict")["element"]["initial_option"]["value"] == "wrap"
    assert _block(view, "rationale")["element"]["initial_value"] == (
        "• Plug into the grid.\n• Ship a product, not a model."
    )
    assert _block(view, "assessment")["element"]["initial_option"]["value"] == str(assessment.id)
    _submit(send, decide_state(assessment=str(assessment.id)), view["private_metadata"])
    session.expire_all()
    assert session.scalar(select(Decision.assessment_id)) == assessment.id


# ------------------------------------------------------------------------- export


def _uploaded(slack_api) -> tuple[str, bytes]:
    [complete] = slack_api.calls_to("files.completeUploadExternal")
    file_id = complete.params["files"][0]["id"]
    return complete.params["channel_id"], slack_api.file(file_id).content


def test_export_sends_the_csv_by_dm_to_the_admin(send, slack_api, session):
    first = make_decision(
        session,
        title='Buy "Whisper", then see',
        rationale="Line one\nline 2",
        review_date=NOW.date() + timedelta(days=30),
    )
    make_decision(session, title="Équipe: build", verdict="build", when=NOW + timedelta(hours=1))
    make_decision(session, team_id="T0999ZZZZ", title="Other team's secret")
    press(send, slack_api, overflow(f"revisit:{first.id}"))
    _command(send, slack_api, "export", user=ADMIN)

    [get_url] = slack_api.calls_to("files.getUploadURLExternal")
    assert [c.method for c in slack_api.calls if c.method.startswith(("files.", "conv"))] == [
        "conversations.open",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    channel, content = _uploaded(slack_api)
    assert channel == slack_api.dm_channel(TEAM, ADMIN)
    assert int(get_url.params["length"]) == len(content)
    assert b"\r\n" in content and content.decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"), newline="")))
    assert [r["title"] for r in rows] == ['Buy "Whisper", then see', "Équipe: build"]
    assert rows[0]["rationale"] == "Line one\nline 2"
    assert (rows[0]["status"], rows[0]["review_date"], rows[0]["created_at"]) == (
        "revisiting",
        "2026-12-31",
        "2026-12-01T10:00:00Z",
    )
    history = rows[0]["history"].split(" | ")
    assert history[0] == f"2026-12-01T10:00:00Z {USER} created"
    assert history[1] == (f"2026-12-01T10:00:00Z {USER} revisiting (status: decided -> revisiting)")
    assert "Other team's secret" not in content.decode()
    assert "in your DMs" in posted_texts(slack_api)[-1]


def test_export_is_refused_to_non_admins_on_the_server(send, slack_api, session):
    make_decision(session)
    _command(send, slack_api, "export", user=USER)
    assert slack_api.calls_to("files.getUploadURLExternal") == []
    assert "Only an admin can do that" in posted_texts(slack_api)[-1]


# ------------------------------------------------------------------------- home


def test_home_shows_decisions_reviews_and_digest_schedule(send, slack_api, session):
    make_decision(session, title="Buy a CRM copilot", review_date=NOW.date() + timedelta(days=5))
    settings = team_settings(session, TEAM)
    settings.digest_days, settings.digest_time, settings.timezone = "mon,thu", "08:30", "UTC"
    session.commit()
    send(app_home_opened(USER, TEAM))
    home = json.dumps(slack_api.home_view(TEAM, USER)["blocks"])
    assert "Buy a CRM copilot" in home
    assert "2026-12-06: *Buy a CRM copilot*" in home
    assert "Mondays, Thursdays at 08:30 (UTC)" in home
    assert '"action_id": "assessment.start"' in home and '"action_id": "decisions.log"' in home


def test_home_stays_within_block_kit_limits_with_many_decisions(send, slack_api, session):
    for n in range(150):
        make_decision(
            session,
            title=f"D{n}",
            review_date=NOW.date() + timedelta(days=n % 40),
            when=NOW + timedelta(seconds=n),
        )
    send(app_home_opened(USER, TEAM))
    blocks = slack_api.home_view(TEAM, USER)["blocks"]
    assert len(blocks) <= 100
    assert "and 142 more" in json.dumps(blocks)  # 150 less the 8 shown


def test_log_button_on_home_opens_the_modal_and_saving_confirms_by_dm(send, slack_api, session):
    send(
        block_actions(
            [button("decisions.log", "")],
            team_id=TEAM,
            user_id=USER,
            view={"id": "V0HOME0001", "type": "home"},
        )
    )
    view = _last_view(slack_api)
    assert json.loads(view["private_metadata"])["c"] == ""
    _submit(send, decide_state(), view["private_metadata"])
    assert [c.params["channel"] for c in slack_api.calls_to("chat.postMessage")] == [USER]

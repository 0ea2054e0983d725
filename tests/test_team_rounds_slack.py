"""Team rounds in Slack, through signed requests against the fake Slack API: the setup, the
invitations, private answers, nudge, the halfway reminder, the close by button and by deadline
(also after downtime), anonymous and named results, forged answers, and French."""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.jobs.team_rounds import run_team_rounds
from bot.models import TeamRound, TeamRoundMember, utcnow
from bot.workspaces import team_settings
from tests.conftest import ADMIN, CHANNEL, OTHER_TEAM, TEAM, USER
from tests.slack_requests import block_actions, button, slash_command, view_submission
from tests.support.answers import FRONTIER, HYPED
from tests.support.assessment import (
    PAGES,
    live_view,
    open_modal,
    radio_values,
    setup_values,
    wait_for,
    walk_pages,
)
from tests.support.french import block_texts, typography_errors
from tests.support.slack import command
from tests.support.slack import press as press_action

ANA, BEN, CAM = "U0TEAM0ANA", "U0TEAM0BEN", "U0TEAM0CAM"
OUTSIDER = "U0OUTSIDER"
LAST_PAGE = radio_values({q: HYPED[q] for q in PAGES[-1]})
CAUTIOUS = {**HYPED, "talent": "none", "budget": "under_100k"}


@pytest.fixture(autouse=True)
def people(slack_api, slack_settings):
    for user in (ANA, BEN, CAM, OUTSIDER):
        slack_api.add_user(TEAM, user)


def _texts(blocks: list[dict]) -> str:
    return json.dumps(blocks, ensure_ascii=False)


def start_round(
    send,
    slack_api,
    people: list[str],
    *,
    channel: str | None = None,
    names: str = "anonymous",
    days: str = "3",
    starter: str = USER,
):
    send(command(slack_api, "assess team Pricing copilot", starter))
    setup = slack_api.calls_to("views.open")[-1].params["view"]
    assert setup["callback_id"] == "team.setup"
    return send(
        view_submission(
            "team.setup",
            setup_values(people, channel, names, days),
            team_id=TEAM,
            user_id=starter,
            private_metadata=setup["private_metadata"],
            blocks=setup["blocks"],
        )
    )


def posts_with(slack_api, needle: str) -> list[dict]:
    return [
        c.params
        for c in slack_api.calls_to("chat.postMessage")
        if needle in json.dumps(c.params, ensure_ascii=False)
    ]


def invitations(slack_api) -> list[dict]:
    return posts_with(slack_api, '"team.answer"')


def round_row(session) -> TeamRound:
    session.expire_all()
    return session.scalars(select(TeamRound).order_by(TeamRound.id.desc())).first()


def started(send, slack_api, session, people: list[str], **kwargs) -> TeamRound:
    expected = kwargs.pop("expected", len(people))
    before = len(invitations(slack_api))
    response = start_round(send, slack_api, people, **kwargs)
    assert json.loads(response.body or "{}").get("response_action") in (None, "clear")
    # The invitations are the last thing the app does after its ack.
    wait_for(lambda: len(invitations(slack_api)) == before + expected, seconds=30)
    return round_row(session)


def answer(send, slack_api, round_id: int, user: str, answers: dict[str, str]):
    """Click Answer in the invitation, then walk the assessment modal's pages."""
    send(
        block_actions(
            [button("team.answer", str(round_id))],
            team_id=TEAM,
            user_id=user,
            channel_id=f"D{user}",
            trigger_id=slack_api.new_trigger_id(),
            response_url=slack_api.response_url(TEAM, CHANNEL),
        )
    )
    view = slack_api.calls_to("views.open")[-1].params["view"]
    assert json.loads(view["private_metadata"])["r"] == round_id
    return walk_pages(send, view, answers, user=user)


def press(send, slack_api, action_id: str, value: str, user: str = USER, team: str = TEAM):
    return press_action(send, slack_api, button(action_id, value), user=user, team=team)


def channel_results(slack_api) -> list[dict]:
    return [p for p in posts_with(slack_api, '"team_members"') if p["channel"] == CHANNEL]


# ------------------------------------------------------------------------- the flow


def test_invitations_private_answers_and_close_by_button(send, slack_api, session, caplog):
    caplog.set_level(logging.INFO)
    row = started(send, slack_api, session, [ANA, BEN, CAM])
    assert (row.status, row.anonymous, row.channel_id, row.starter_id) == (
        "open",
        True,
        CHANNEL,
        USER,
    )
    assert row.deadline_at - row.created_at > timedelta(days=2, hours=23)
    sent = invitations(slack_api)
    assert sorted(p["channel"] for p in sent) == sorted([ANA, BEN, CAM])
    assert "<@U0123USER> wants your view on *Pricing copilot*" in sent[0]["text"]

    response = answer(send, slack_api, row.id, ANA, HYPED)
    assert json.loads(response.body) == {"response_action": "clear"}
    answer(send, slack_api, row.id, BEN, CAUTIOUS)
    # Ben changes his mind before the close: the second answers replace the first.
    answer(send, slack_api, row.id, BEN, HYPED)
    session.expire_all()
    stored = {m.user_id: m.answers for m in session.scalars(select(TeamRoundMember))}
    assert stored == {ANA: HYPED, BEN: HYPED, CAM: None}
    # Nothing about the answers is in the channel before the close.
    assert channel_results(slack_api) == []
    # The starter's status says who answered, never what.
    status = slack_api.message(row.status_channel, row.status_ts)
    status_text = _texts(status["blocks"])
    assert "2 of 3 answered" in status_text
    assert f"<@{ANA}>" in status_text and f"<@{CAM}>" in status_text
    assert "software_engineers" not in status_text and "Wrap" not in status_text

    # Only the starter may close.
    press(send, slack_api, "team.close", str(row.id), user=ANA)
    assert round_row(session).status == "open"
    press(send, slack_api, "team.close", str(row.id))
    closed = round_row(session)
    assert (closed.status, closed.closed_by) == ("closed", USER)
    [result] = channel_results(slack_api)
    text = _texts(result["blocks"])
    assert result["text"].startswith("Pricing copilot: Wrap an existing model")
    assert "*The team:* 2 of 3 answered." in text
    assert "• Wrap an existing model: 2" in text
    # Anonymous: no member's name anywhere in the result.
    assert ANA not in text and BEN not in text
    actions = [
        e["action_id"] for b in result["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions == ["decision.from_assessment", "team.discuss", "team.rerun"]
    # A second close (button or deadline) posts nothing more.
    press(send, slack_api, "team.close", str(row.id))
    assert len(channel_results(slack_api)) == 1
    # Logs never carry who answered what.
    logged = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("bot", "handlers"))
    )
    assert "team round" in logged
    assert "is_the_product" not in logged and "software_engineers" not in logged


def test_a_split_team_shows_where_it_disagrees_and_names_in_a_named_round(send, slack_api, session):
    row = started(send, slack_api, session, [ANA, BEN, CAM], names="named")
    answer(send, slack_api, row.id, ANA, FRONTIER)
    answer(send, slack_api, row.id, BEN, FRONTIER)
    answer(send, slack_api, row.id, CAM, {**FRONTIER, "budget": "10m_to_100m"})
    press(send, slack_api, "team.close", str(row.id))
    [result] = channel_results(slack_api)
    text = _texts(result["blocks"])
    # Two of three would pre-train; one member's own answers do not: the team does not build.
    assert "Build your own foundation model" in text
    assert f"<@{ANA}>, <@{BEN}>" in text and f"<@{CAM}>" in text
    assert "Where the team disagrees:" in text
    assert "The team does not agree" in text  # team_disagrees
    assert "Pre-training is off the table" in text
    assert not result["text"].startswith("Pricing copilot: Build")


def test_forged_and_uninvited_answers_are_refused(send, slack_api, session):
    row = started(send, slack_api, session, [ANA])
    # The outsider cannot even open the modal...
    press(send, slack_api, "team.answer", str(row.id), user=OUTSIDER)
    assert all(
        json.loads(c.params["view"]["private_metadata"]).get("r") != row.id
        for c in slack_api.calls_to("views.open")
        if c.params["view"].get("callback_id") == "assessment.page"
    )
    # ...and a submission forged with the round's id in its metadata is refused.
    body = json.loads(final_page(send, row.id, OUTSIDER).body)
    assert body["response_action"] == "errors"
    assert body["errors"]["q_product"].startswith("You were not invited")
    # Another workspace's user with the same id is not found either.
    response = final_page(send, row.id, ANA, team=OTHER_TEAM)
    assert json.loads(response.body or "{}").get("response_action") != "clear"
    session.expire_all()
    assert session.get(TeamRoundMember, (row.id, ANA)).answers is None
    assert session.get(TeamRoundMember, (row.id, OUTSIDER)) is None


def test_nudge_and_the_halfway_reminder_go_to_those_pending_once(
    send, slack_api, session, services
):
    row = started(send, slack_api, session, [ANA, BEN, CAM])
    answer(send, slack_api, row.id, ANA, HYPED)
    press(send, slack_api, "team.nudge", str(row.id), user=BEN)  # not the starter: nothing
    assert posts_with(slack_api, "A nudge from") == []
    press(send, slack_api, "team.nudge", str(row.id))
    assert sorted(p["channel"] for p in posts_with(slack_api, "A nudge from")) == [BEN, CAM]

    services.clock = lambda: utcnow() + timedelta(days=1)  # not halfway yet
    run_team_rounds(services)
    assert posts_with(slack_api, "Halfway there") == []
    services.clock = lambda: utcnow() + timedelta(days=1, hours=13)
    run_team_rounds(services)
    run_team_rounds(services)  # a second pass (or a second worker) sends nothing more
    assert sorted(p["channel"] for p in posts_with(slack_api, "Halfway there")) == [BEN, CAM]
    assert round_row(session).status == "open"


def test_the_deadline_closes_the_round_even_after_downtime(send, slack_api, session, services):
    row = started(send, slack_api, session, [ANA, BEN], days="1")
    answer(send, slack_api, row.id, ANA, HYPED)
    # The worker was down for a week: its first pass closes the round (no reminder first).
    services.clock = lambda: utcnow() + timedelta(days=8)
    assert run_team_rounds(services) == 1
    assert run_team_rounds(services) == 0
    closed = round_row(session)
    assert (closed.status, closed.closed_by) == ("closed", None)
    assert posts_with(slack_api, "Halfway there") == []
    [result] = channel_results(slack_api)
    assert "*The team:* 1 of 2 answered." in _texts(result["blocks"])
    # Answers after the close are refused.
    body = json.loads(final_page(send, row.id, BEN).body)
    assert body["errors"]["q_product"].startswith("This team assessment is closed")


def final_page(send, round_id: int, user: str, team: str = TEAM):
    """The modal's last page submitted for ``round_id`` (metadata as a client could forge it)."""
    metadata = json.dumps({"t": "", "c": "", "p": 3, "a": HYPED, "r": round_id})
    return send(
        view_submission(
            "assessment.page", LAST_PAGE, team_id=team, user_id=user, private_metadata=metadata
        )
    )


def test_a_round_nobody_answered_says_so(send, slack_api, session, services):
    row = started(send, slack_api, session, [ANA])
    press(send, slack_api, "team.close", str(row.id))
    [post] = [
        p for p in posts_with(slack_api, "without a single answer") if p["channel"] == CHANNEL
    ]
    assert "Pricing copilot" in post["text"]
    assert round_row(session).assessment_id is None


def test_everyone_in_a_channel_skips_bots_and_caps_at_200(send, slack_api, session):
    crowd = [f"U0CROWD{i:03d}" for i in range(205)]
    for user in crowd:
        slack_api.add_user(TEAM, user)
    slack_api.add_user(TEAM, "U0OTHERBOT", is_bot=True)
    slack_api.set_channel_members(TEAM, CHANNEL, ["U0BOT0001", "U0OTHERBOT", *crowd])
    row = started(send, slack_api, session, [], channel=CHANNEL, expected=200)
    members = [m.user_id for m in row.members]
    assert members == crowd[:200]
    assert len(invitations(slack_api)) == 200
    [status] = posts_with(slack_api, '"team.close"')
    assert "the first 200 were invited" in _texts(status["blocks"])


def test_setup_without_anybody_is_refused_on_the_field(send, slack_api, session):
    response = start_round(send, slack_api, [])
    body = json.loads(response.body)
    assert body["response_action"] == "errors"
    assert body["errors"]["people"].startswith("Pick at least one person")
    assert round_row(session) is None


def test_save_as_decision_fills_in_the_participants_and_rerun_asks_them_again(
    send, slack_api, session
):
    row = started(send, slack_api, session, [ANA, BEN])
    answer(send, slack_api, row.id, ANA, HYPED)
    press(send, slack_api, "team.close", str(row.id))
    closed = round_row(session)
    press(send, slack_api, "decision.from_assessment", str(closed.assessment_id))
    decide = slack_api.calls_to("views.open")[-1].params["view"]
    participants = next(b for b in decide["blocks"] if b.get("block_id") == "participants")
    assert participants["element"]["initial_users"] == [ANA]

    press(send, slack_api, "team.discuss", str(row.id), user=BEN)
    [thread] = posts_with(slack_api, "opened the discussion")
    assert thread["thread_ts"] == "1700000000.000100"

    before = len(invitations(slack_api))
    press(send, slack_api, "team.rerun", str(row.id))
    wait_for(lambda: len(invitations(slack_api)) == before + 2)
    again = round_row(session)
    assert again.id != row.id and [m.user_id for m in again.members] == [ANA, BEN]


def test_rounds_are_isolated_per_workspace(send, slack_api, session):
    row = started(send, slack_api, session, [ANA])
    press(send, slack_api, "team.close", str(row.id), user=USER, team=OTHER_TEAM)
    assert round_row(session).status == "open"


def test_the_round_speaks_french(send, slack_api, session, services):
    team_settings(session, TEAM).language = "fr"
    session.commit()
    send(
        slash_command(
            "assess team Copilote tarifs",
            team_id=TEAM,
            user_id=USER,
            channel_id=CHANNEL,
            trigger_id=slack_api.new_trigger_id(),
        )
    )
    setup = slack_api.calls_to("views.open")[-1].params["view"]
    assert setup["title"]["text"] == "Évaluation d'équipe"
    row = started(send, slack_api, session, [ANA, BEN], names="named")
    [invite, _] = invitations(slack_api)
    assert "veut votre avis sur *Pricing copilot*" in invite["text"]
    answer(send, slack_api, row.id, ANA, HYPED)
    press(send, slack_api, "team.nudge", str(row.id))
    [nudged] = posts_with(slack_api, "Une relance de")
    assert nudged["channel"] == BEN
    services.clock = lambda: utcnow() + timedelta(days=2)
    run_team_rounds(services)
    [reminded] = posts_with(slack_api, "À mi-parcours")
    assert reminded["channel"] == BEN
    answer(send, slack_api, row.id, BEN, CAUTIOUS)
    status = slack_api.message(round_row(session).status_channel, round_row(session).status_ts)
    assert "2 sur 2 ont répondu" in _texts(status["blocks"])
    press(send, slack_api, "team.close", str(row.id))
    [result] = channel_results(slack_api)
    text = _texts(result["blocks"])
    assert f"<@{ANA}>" in text and f"<@{BEN}>" in text  # named: who got which verdict
    assert "*L'équipe\u00a0:* 2 sur 2 ont répondu." in text
    assert "Où l'équipe n'est pas d'accord\u00a0:" in text
    assert "Discuter en fil" in text
    assert [e for line in block_texts(result["blocks"]) for e in typography_errors(line)] == []


def test_the_assessment_modal_offers_a_team_round(send, slack_api):
    view = open_modal(send, slack_api, "assess Pricing copilot")
    live = live_view(slack_api, view)
    press_action(send, slack_api, button("team.open_setup", ""), view=live)
    setup = slack_api.calls_to("views.update")[-1].params["view"]
    assert setup["callback_id"] == "team.setup"
    title = next(b for b in setup["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "Pricing copilot"
    assert json.loads(setup["private_metadata"]) == {"c": CHANNEL}


def test_the_home_tab_and_the_csv_export_know_team_rounds(send, slack_api, session):
    import csv
    import io

    from bot.decisions.export import export_csv
    from bot.decisions.prefill import draft_from_assessment
    from bot.decisions.store import create_decision
    from bot.models import AssessmentRow
    from tests.slack_requests import app_home_opened

    row = started(send, slack_api, session, [ANA, BEN])
    answer(send, slack_api, row.id, ANA, HYPED)
    send(app_home_opened(BEN, TEAM))
    send(app_home_opened(ANA, TEAM))
    ben, ana = slack_api.home_view(TEAM, BEN), slack_api.home_view(TEAM, ANA)
    assert "Team assessments in progress" in _texts(ben["blocks"])
    assert "*Pricing copilot*: 1 of 2 answered, closes <!date^" in _texts(ben["blocks"])
    assert '"team.answer"' in _texts(ben["blocks"])  # Ben still owes his answers
    assert '"team.answer"' not in _texts(ana["blocks"])  # Ana has answered
    send(app_home_opened(ADMIN, TEAM))  # not part of the round: nothing about it
    assert "Team assessments" not in _texts(slack_api.home_view(TEAM, ADMIN)["blocks"])

    press(send, slack_api, "team.close", str(row.id))
    closed = round_row(session)
    assessment = session.get(AssessmentRow, closed.assessment_id)
    draft = draft_from_assessment(assessment, USER, "en")
    assert draft.participants == (ANA,)
    create_decision(session, TEAM, USER, draft, utcnow())
    session.commit()
    [exported] = list(csv.DictReader(io.StringIO(export_csv(session, TEAM).content.decode())))
    assert exported["team_round"] == str(row.id)
    assert exported["participants"] == ANA


# -------------------------------------------- decisions saved from a round, results retried

ROUND_MARK = {
    "en": "Team round: 2 of 3 answered",
    "fr": "Évaluation d'équipe\u00a0: 2 sur 3 ont répondu",
}


def _french(session, lang: str) -> None:
    if lang == "fr":
        team_settings(session, TEAM).language = "fr"
        session.commit()


def _closed_with_two_of_three(send, slack_api, session, lang: str) -> TeamRound:
    _french(session, lang)
    row = started(send, slack_api, session, [ANA, BEN, CAM])
    answer(send, slack_api, row.id, ANA, HYPED)
    answer(send, slack_api, row.id, BEN, CAUTIOUS)
    press(send, slack_api, "team.close", str(row.id))
    return round_row(session)


def _exported_rows(send, slack_api) -> list[dict[str, str]]:
    """``/buildvsbuy export`` by an admin; the CSV the app uploaded, parsed."""
    import csv
    import io

    send(command(slack_api, "export", ADMIN))
    complete = wait_for(lambda: slack_api.calls_to("files.completeUploadExternal"))[-1]
    content = slack_api.file(complete.params["files"][0]["id"]).content.decode("utf-8")
    return list(csv.DictReader(io.StringIO(content, newline="")))


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_decision_saved_from_a_round_is_marked_in_the_list_home_and_export(
    send, slack_api, session, lang
):
    from tests.slack_requests import app_home_opened
    from tests.support.decisions import decide_state, make_decision

    closed = _closed_with_two_of_three(send, slack_api, session, lang)
    # The result's permalink is kept: Slack's own link to the message posted in the channel.
    assert closed.result_state == "posted" and closed.result_ts
    link = closed.result_link
    assert link.startswith("https://")
    assert link.endswith(f"/archives/{CHANNEL}/p{closed.result_ts.replace('.', '')}")
    make_decision(session, title="Buy a transcription API")  # not from a round: no mark

    # Save as decision from the posted result, through the decide modal.
    press(send, slack_api, "decision.from_assessment", str(closed.assessment_id))
    decide = slack_api.calls_to("views.open")[-1].params["view"]
    assert decide["callback_id"] == "decisions.save"
    state = decide_state(
        title="Pricing copilot",
        verdict="wrap",
        participants=(ANA, BEN),
        assessment=str(closed.assessment_id),
    )
    response = send(
        view_submission(
            "decisions.save",
            state,
            team_id=TEAM,
            user_id=USER,
            private_metadata=decide["private_metadata"],
        )
    )
    assert response.status == 200 and json.loads(response.body or "{}") == {}
    mark = f"<{link}|{ROUND_MARK[lang]}>"

    # The decision list in Slack.
    url = slack_api.response_url(TEAM, CHANNEL)
    send(
        slash_command("decisions", team_id=TEAM, user_id=USER, channel_id=CHANNEL, response_url=url)
    )
    listed = slack_api.calls_to("response_url")[-1].params
    entries = [
        t for t in block_texts(listed["blocks"]) if "Pricing copilot" in t or "transcription" in t
    ]
    assert len(entries) == 2
    [saved] = [t for t in entries if "Pricing copilot" in t]
    [other] = [t for t in entries if "transcription" in t]
    assert mark in saved and ROUND_MARK[lang] not in other

    # The Home tab.
    send(app_home_opened(USER, TEAM))
    home = block_texts(slack_api.home_view(TEAM, USER)["blocks"])
    assert any(mark in t and "Pricing copilot" in t for t in home)
    assert not any(ROUND_MARK[lang] in t and "transcription" in t for t in home)

    # The CSV export: the round, how many answered of how many invited, and the link.
    rows = {r["title"]: r for r in _exported_rows(send, slack_api)}
    saved_row, other_row = rows["Pricing copilot"], rows["Buy a transcription API"]
    assert (
        saved_row["team_round"],
        saved_row["team_round_answered"],
        saved_row["team_round_invited"],
        saved_row["team_round_result"],
    ) == (str(closed.id), "2", "3", link)
    assert other_row["team_round"] == other_row["team_round_result"] == ""
    if lang == "fr":
        assert [e for t in (saved, *home) for e in typography_errors(t)] == []


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_a_result_slack_refused_is_posted_by_the_scheduler_later(
    send, slack_api, session, services, lang
):
    _french(session, lang)
    row = started(send, slack_api, session, [ANA, BEN])
    answer(send, slack_api, row.id, ANA, HYPED)
    slack_api.fail(
        "chat.postMessage", "restricted_action", where=lambda p: p.get("channel") == CHANNEL
    )
    press(send, slack_api, "team.close", str(row.id))
    refused = round_row(session)
    assert (refused.status, refused.result_state, refused.result_error) == (
        "closed",
        "retry",
        "restricted_action",
    )
    assert refused.result_ts is None
    assert len(channel_results(slack_api)) == 1  # the one Slack refused
    assert run_team_rounds(services) == 0  # not due yet: the wait is five minutes
    services.clock = lambda: utcnow() + timedelta(minutes=6)
    assert run_team_rounds(services) == 1
    assert run_team_rounds(services) == 0  # posted once, never again
    refused_call, result = channel_results(slack_api)
    # The same message, posted once it could be.
    assert (refused_call["text"], refused_call["blocks"]) == (result["text"], result["blocks"])
    posted = round_row(session)
    in_channel = slack_api.message(CHANNEL, posted.result_ts)
    words = {"en": "*The team:* 1 of 2 answered.", "fr": "*L'équipe\u00a0:* 1 sur 2 ont répondu."}
    assert words[lang] in _texts(in_channel["blocks"])
    assert (posted.result_state, posted.result_attempts, posted.result_error) == ("posted", 2, None)
    assert posted.result_ts and posted.result_link


def test_a_result_refused_every_time_stops_after_the_last_attempt(
    send, slack_api, session, services
):
    row = started(send, slack_api, session, [ANA])
    answer(send, slack_api, row.id, ANA, HYPED)
    slack_api.fail(
        "chat.postMessage",
        "restricted_action",
        times=None,
        where=lambda p: p.get("channel") == CHANNEL,
    )
    press(send, slack_api, "team.close", str(row.id))
    for day in range(1, 12):
        services.clock = lambda day=day: utcnow() + timedelta(days=day)
        run_team_rounds(services)
    gave_up = round_row(session)
    assert (gave_up.result_state, gave_up.result_attempts) == ("failed", 8)
    tries = [c for c in slack_api.calls_to("chat.postMessage") if c.params["channel"] == CHANNEL]
    assert len(tries) == 8


def test_a_result_whose_answer_was_lost_is_read_back_not_posted_twice(
    send, slack_api, session, services
):
    from tests.fakes.slack_api import DROP

    row = started(send, slack_api, session, [ANA])
    answer(send, slack_api, row.id, ANA, HYPED)
    slack_api.accept_then("chat.postMessage", DROP)  # Slack posts it; the answer is lost
    press(send, slack_api, "team.close", str(row.id))
    lost = round_row(session)
    assert (lost.result_state, lost.result_ts) == ("verify", None)
    services.clock = lambda: utcnow() + timedelta(minutes=6)
    run_team_rounds(services)
    run_team_rounds(services)
    [result] = channel_results(slack_api)  # one post: the retry read the channel first
    assert [c.method for c in slack_api.calls if c.method == "conversations.history"]
    found = round_row(session)
    assert found.result_state == "posted"
    assert slack_api.message(CHANNEL, found.result_ts)["text"] == result["text"]
    assert found.result_link.endswith(found.result_ts.replace(".", ""))


def test_a_worker_that_died_mid_post_has_the_result_posted_once_its_lease_is_over(
    send, slack_api, session, services
):
    from bot.assessment.rounds import claim_close, store_result

    row = started(send, slack_api, session, [ANA, BEN])
    answer(send, slack_api, row.id, ANA, HYPED)
    # The close was claimed and the result stored, then the worker died before posting.
    now = utcnow()
    assert claim_close(session, TEAM, row.id, now, None)
    store_result(session, TEAM, row.id)
    session.commit()
    services.clock = lambda: now + timedelta(minutes=5)  # its lease still runs: nothing
    assert run_team_rounds(services) == 0 and channel_results(slack_api) == []
    services.clock = lambda: now + timedelta(minutes=11)
    assert run_team_rounds(services) == 1
    assert run_team_rounds(services) == 0
    [result] = channel_results(slack_api)
    assert "*The team:* 1 of 2 answered." in _texts(result["blocks"])
    assert round_row(session).result_state == "posted"


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_anonymous_round_keeps_no_member_tied_to_answers(send, slack_api, session, caplog, lang):
    from bot.models import AssessmentRow

    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="handlers")
    _french(session, lang)
    row = started(send, slack_api, session, [ANA, BEN, CAM])
    answer(send, slack_api, row.id, ANA, HYPED)  # wrap
    answer(send, slack_api, row.id, BEN, CAUTIOUS)  # buy
    press(send, slack_api, "team.close", str(row.id))
    closed = round_row(session)
    members = {m.user_id: m.answers for m in closed.members}
    # Who answered is still known (the status, the decision's participants); what they said
    # is not: each member's answers are gone with the close.
    assert members == {ANA: {}, BEN: {}, CAM: None}
    assert {m.user_id for m in closed.members if m.answered_at} == {ANA, BEN}
    result = session.get(AssessmentRow, closed.assessment_id).result
    verdicts = [own["verdict"] for own in result["team"]["individual"]]
    assert verdicts == ["buy", "wrap"]  # sorted, not in the order of the participants
    assert result["round"]["participants"] == sorted([ANA, BEN])
    assert result["round"]["by_verdict"] == {}
    # Nothing the app logs names a member.
    logged = "\n".join(
        r.getMessage() for r in caplog.records if r.name.startswith(("bot", "handlers"))
    )
    assert "team round" in logged
    assert ANA not in logged and BEN not in logged and CAM not in logged

"""The settings form as plain data: each field's parsing and errors, feed checks, deadlines."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from bot.team_config import form as f
from bot.team_config.checks import channel_error_for, channel_problem, run_checks
from bot.team_config.feeds import check_new_feed, known_feed_error
from bot.team_config.form import FieldError, TeamConfig, read_state, validate_form
from bot.team_config.store import diff
from tests.fakes.feed_server import FeedServer

CURRENT = TeamConfig(timezone="Europe/Paris", managers=("U0AAAAAAA",))

VALID = {
    f.DIGEST_ENABLED: "on",
    f.DIGEST_CHANNEL: "C0123CHAN",
    f.DIGEST_DAYS: ["thu", "mon"],
    f.DIGEST_TIME: "07:30",
    f.TIMEZONE: "america/new_york",
    f.DIGEST_ITEMS: " 12 ",
    f.MANAGERS: ["U0BBBBBBB", "U0AAAAAAA", "U0BBBBBBB"],
    f.LANGUAGE: "fr",
    f.RESULT_VISIBILITY: "channel",
    f.REVIEW_PERIOD: "30",
    f.ADMINS: ["U0CCCCCCC"],
    f.FEED_ADD: None,
    f.FEED_REMOVE: [],
}


def _validate(raw: dict, *, llm: bool = False, feed_ids: set[int] | None = None):
    return validate_form(raw, CURRENT, llm_available=llm, team_feed_ids=feed_ids or set())


def test_a_valid_form_becomes_the_settings() -> None:
    result = _validate(VALID)
    assert result.errors == {}
    assert result.config == TeamConfig(
        digest_enabled=True,
        digest_channel_id="C0123CHAN",
        digest_days="mon,thu",
        digest_time="07:30",
        timezone="America/New_York",
        digest_items=12,
        managers=("U0AAAAAAA", "U0BBBBBBB"),
        language="fr",
        llm_enabled=True,
        llm_model=None,
        result_visibility="channel",
        review_period_days=30,
        admins=("U0CCCCCCC",),
    )
    assert result.feeds == f.FeedChange(None, frozenset())


def test_all_seven_days_is_daily_and_an_empty_channel_is_none() -> None:
    result = _validate({**VALID, f.DIGEST_DAYS: list(f.WEEKDAYS), f.DIGEST_CHANNEL: None})
    assert (result.config.digest_days, result.config.digest_channel_id) == ("daily", None)


@pytest.mark.parametrize(
    ("name", "value", "key"),
    [
        (f.DIGEST_ENABLED, None, "settings.error.required"),
        (f.DIGEST_ENABLED, "maybe", "settings.error.choice"),
        (f.DIGEST_CHANNEL, "general", "settings.error.channel_id"),
        (f.DIGEST_CHANNEL, "D0123DMDM", "settings.error.channel_id"),
        (f.DIGEST_DAYS, [], "settings.error.no_days"),
        (f.DIGEST_DAYS, ["mon", "funday"], "settings.error.choice"),
        (f.DIGEST_TIME, "25:00", "settings.error.time"),
        (f.DIGEST_TIME, "9:00", "settings.error.time"),
        (f.DIGEST_TIME, None, "settings.error.required"),
        (f.TIMEZONE, "Mars/Olympus_Mons", "settings.error.timezone"),
        (f.TIMEZONE, "../../etc/passwd", "settings.error.timezone"),
        (f.TIMEZONE, "  ", "settings.error.required"),
        (f.DIGEST_ITEMS, "0", "settings.error.number"),
        (f.DIGEST_ITEMS, "21", "settings.error.number"),
        (f.DIGEST_ITEMS, "3.5", "settings.error.number"),
        (f.DIGEST_ITEMS, "ten", "settings.error.number"),
        (f.MANAGERS, ["<!channel>"], "settings.error.users"),
        (f.MANAGERS, [f"U{n:08d}" for n in range(51)], "settings.error.too_many"),
        (f.LANGUAGE, "de", "settings.error.choice"),
        (f.LANGUAGE, ["en", "fr"], "settings.error.choice"),
        (f.RESULT_VISIBILITY, "everyone", "settings.error.choice"),
        (f.REVIEW_PERIOD, "0", "settings.error.number"),
        (f.REVIEW_PERIOD, "731", "settings.error.number"),
        (f.ADMINS, ["U0123USER", "C0123CHAN"], "settings.error.users"),
        (f.ADMINS, [f"U{n:08d}" for n in range(21)], "settings.error.too_many"),
        (f.FEED_ADD, "ftp://example.com/feed.xml", "settings.error.feed_url"),
        (f.FEED_ADD, "javascript:alert(1)", "settings.error.feed_url"),
        (f.FEED_ADD, "https://exa mple.com/feed", "settings.error.feed_url"),
        (f.FEED_ADD, "https://example.com/" + "x" * 2000, "settings.error.feed_url"),
        (f.FEED_REMOVE, ["999"], "settings.error.feed_unknown"),
        (f.FEED_REMOVE, ["one"], "settings.error.feed_unknown"),
    ],
)
def test_each_field_refuses_what_it_cannot_save(name: str, value: object, key: str) -> None:
    result = _validate({**VALID, name: value}, feed_ids={1, 2})
    assert {field: error.key for field, error in result.errors.items()} == {name: key}
    assert result.config == CURRENT  # nothing of a half-valid form is kept


def test_number_errors_name_the_range() -> None:
    error = _validate({**VALID, f.DIGEST_ITEMS: "50"}).errors[f.DIGEST_ITEMS]
    assert error.message("en") == "Enter a whole number between 1 and 20."
    assert error.message("fr") == "Un nombre entier entre 1 et 20."


def test_llm_fields_count_only_when_the_operator_configured_a_key() -> None:
    forged = {**VALID, f.LLM_ENABLED: "off", f.LLM_MODEL: "gpt-4.1"}
    assert _validate(forged, llm=False).config.llm_enabled is True
    assert _validate(forged, llm=False).config.llm_model is None
    config = _validate(forged, llm=True).config
    assert (config.llm_enabled, config.llm_model) == (False, "gpt-4.1")
    bad = _validate({**forged, f.LLM_MODEL: "gpt 4; rm -rf"}, llm=True)
    assert bad.errors[f.LLM_MODEL].key == "settings.error.llm_model"


def test_a_team_cannot_add_past_the_feed_limit_unless_it_removes_one() -> None:
    ids = set(range(1, f.MAX_TEAM_FEEDS + 1))
    adding = {**VALID, f.FEED_ADD: "https://news.example/feed.xml"}
    assert _validate(adding, feed_ids=ids).errors[f.FEED_ADD].key == "settings.error.feed_limit"
    swapped = _validate({**adding, f.FEED_REMOVE: ["3"]}, feed_ids=ids)
    assert swapped.errors == {}
    assert swapped.feeds == f.FeedChange("https://news.example/feed.xml", frozenset({3}))


def test_read_state_understands_every_widget_the_modal_uses() -> None:
    option = {"text": {"type": "plain_text", "text": "x"}}
    values = {
        f.DIGEST_ENABLED: {
            f.DIGEST_ENABLED: {
                "type": "radio_buttons",
                "selected_option": {**option, "value": "off"},
            }
        },
        f.DIGEST_CHANNEL: {
            f.DIGEST_CHANNEL: {"type": "conversations_select", "selected_conversation": "C0123CHAN"}
        },
        f.DIGEST_DAYS: {
            f.DIGEST_DAYS: {
                "type": "checkboxes",
                "selected_options": [{**option, "value": "tue"}, {**option, "value": "fri"}],
            }
        },
        f.DIGEST_TIME: {f.DIGEST_TIME: {"type": "timepicker", "selected_time": "18:45"}},
        f.DIGEST_ITEMS: {f.DIGEST_ITEMS: {"type": "number_input", "value": "5"}},
        f.MANAGERS: {f.MANAGERS: {"type": "multi_users_select", "selected_users": ["U0AAAAAAA"]}},
        f.FEED_ADD: {f.FEED_ADD: {"type": "url_text_input", "value": None}},
        f.LANGUAGE: {f.LANGUAGE: {"type": "radio_buttons", "selected_option": None}},
        "stray": {"other_action": {"type": "plain_text_input", "value": "ignored"}},
    }
    assert read_state(values) == {
        f.DIGEST_ENABLED: "off",
        f.DIGEST_CHANNEL: "C0123CHAN",
        f.DIGEST_DAYS: ["tue", "fri"],
        f.DIGEST_TIME: "18:45",
        f.DIGEST_ITEMS: "5",
        f.MANAGERS: ["U0AAAAAAA"],
        f.FEED_ADD: None,
        f.LANGUAGE: None,
    }


def test_diff_lists_each_changed_field_before_and_after() -> None:
    after = replace(CURRENT, language="fr", managers=(), digest_items=5)
    assert diff(CURRENT, after) == {
        "digest_items": {"before": 8, "after": 5},
        "managers": {"before": ["U0AAAAAAA"], "after": []},
        "language": {"before": "en", "after": "fr"},
    }
    assert diff(CURRENT, CURRENT) == {}


# ----------------------------------------------------------------------- checks with the world


@pytest.fixture
def feeds() -> Iterator[FeedServer]:
    server = FeedServer().start()
    yield server
    server.stop()


def test_a_good_feed_is_read_and_titled(feeds: FeedServer) -> None:
    checked = check_new_feed(feeds.url("/atom.xml"), "en", allow_private=True)
    assert (checked.error, checked.title) == (None, "Atom AI Weekly")


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/not-xml.xml", "not a readable RSS or Atom feed"),
        ("/page.html", "not a feed (the response is an HTML page"),
        ("/error500", "the server answered with an error (HTTP 500)"),
    ],
)
def test_a_feed_that_cannot_be_used_is_refused_with_the_reason(
    feeds: FeedServer, path: str, reason: str
) -> None:
    checked = check_new_feed(feeds.url(path), "en", allow_private=True)
    assert checked.error is not None
    assert checked.error.message("en").startswith(f"I can't use this feed: {reason}")


def test_private_addresses_are_refused_unless_the_operator_allows_them(feeds) -> None:
    checked = check_new_feed(feeds.url("/rss2.xml"), "fr", allow_private=False)
    assert checked.error.message("fr").startswith("Je ne peux pas utiliser ce flux\u00a0: refusé")


def test_a_feed_already_there_or_built_in_is_refused_without_fetching() -> None:
    mine = ["https://news.example/feed.xml"]
    assert known_feed_error("HTTPS://NEWS.example/feed.xml?utm_source=x", mine).key == (
        "settings.error.feed_duplicate"
    )
    assert known_feed_error("https://huggingface.co/blog/feed.xml", mine).key == (
        "settings.error.feed_builtin"
    )
    assert known_feed_error("https://other.example/rss", mine) is None


@pytest.mark.parametrize(
    ("info", "key"),
    [
        ({"is_member": True}, None),
        ({"is_member": False}, "settings.error.channel_not_in"),
        ({"is_member": True, "is_archived": True}, "settings.error.channel_archived"),
        ({"is_im": True}, "settings.error.channel_id"),
    ],
)
def test_channel_problems(info: dict, key: str | None) -> None:
    problem = channel_problem(info)
    assert (problem.key if problem else None) == key


def test_slack_errors_on_a_channel_become_field_errors() -> None:
    assert channel_error_for("channel_not_found").key == "settings.error.channel_not_found"
    assert channel_error_for("ratelimited").key == "settings.error.channel_unchecked"


def test_checks_run_side_by_side_and_a_straggler_is_cut_off() -> None:
    release = threading.Event()

    def slow() -> FieldError | None:
        release.wait(5)
        return None

    def quick_refusal() -> FieldError | None:
        time.sleep(0.1)
        return FieldError("settings.error.channel_not_in")

    started = time.monotonic()
    errors = run_checks({"a": slow, "b": quick_refusal, "c": lambda: None}, budget=0.3)
    elapsed = time.monotonic() - started
    release.set()
    assert {k: e.key for k, e in errors.items()} == {
        "a": "settings.error.too_slow",
        "b": "settings.error.channel_not_in",
    }
    assert elapsed < 1.0


@pytest.mark.parametrize(
    "values",
    [
        None,
        [],
        {"language": ["not", "a", "dict"]},
        {"managers": {"managers": {"type": "multi_users_select", "selected_users": 7}}},
        {"digest_days": {"digest_days": {"type": "checkboxes", "selected_options": "mon"}}},
    ],
)
def test_forged_state_shapes_become_field_errors_not_crashes(values: object) -> None:
    result = _validate(read_state(values))
    assert result.config == CURRENT
    assert result.errors[f.DIGEST_TIME].key == "settings.error.required"

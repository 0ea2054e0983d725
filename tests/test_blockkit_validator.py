"""The Block Kit validator that the fake Slack API runs on everything the app sends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.fakes.blockkit import validate_blocks, validate_view
from tests.support.data import data_path

VIEWS_DIR = data_path("slack-sdk-views")

# Four of python-slack-sdk's fixtures are views as Slack *returns* them (views.open/publish
# answers, view_submission payloads), not as an app sends them: they carry the fields Slack adds.
# The schema describes outgoing payloads and rightly refuses those fields; without them the views
# are valid. Slack also echoes clear_on_close/notify_on_close on Home views, which only modals
# may send.
RETURNED_BY_SLACK = {
    "view_home_006.json",
    "view_modal_008.json",
    "view_modal_009.json",
    "view_modal_010.json",
}
ADDED_BY_SLACK = {
    "id",
    "team_id",
    "state",
    "hash",
    "previous_view_id",
    "root_view_id",
    "app_id",
    "app_installed_team_id",
    "bot_id",
    "clear_on_close",
    "notify_on_close",
}


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def section(text: str, **extra: Any) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}, **extra}


def button(action_id: str, label: str = "Go", value: str = "v") -> dict[str, Any]:
    return {"type": "button", "action_id": action_id, "text": plain(label), "value": value}


def modal(title: str = "Assess", blocks: list[dict[str, Any]] | None = None, **extra: Any):
    return {"type": "modal", "title": plain(title), "blocks": blocks or [section("Hi")], **extra}


@pytest.mark.parametrize("path", sorted(VIEWS_DIR.glob("view_*.json")), ids=lambda p: p.name)
def test_every_reference_view_is_valid_as_sent(path: Path) -> None:
    view = json.loads(path.read_text(encoding="utf-8"))
    assert ("hash" in view) == (path.name in RETURNED_BY_SLACK), "update RETURNED_BY_SLACK"
    if path.name in RETURNED_BY_SLACK:
        errors = validate_view(view)
        assert len(errors) == 1
        assert errors[0].startswith("/: Additional properties are not allowed")
        assert "'hash'" in errors[0]
        view = {k: v for k, v in view.items() if k not in ADDED_BY_SLACK}
    assert validate_view(view) == []


def test_reference_views_directory_is_not_empty() -> None:
    assert len(list(VIEWS_DIR.glob("view_*.json"))) == 16


def test_a_typical_message_is_valid() -> None:
    blocks = [
        {"type": "header", "text": plain("Build or buy?")},
        section("*Verdict:* buy", block_id="verdict", accessory=button("details")),
        {"type": "divider"},
        {"type": "actions", "elements": [button("accept"), button("reject")]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "from the advisor"}]},
    ]
    assert validate_blocks(blocks) == []


def test_unknown_block_type_is_rejected() -> None:
    assert validate_blocks([section("ok"), {"type": "sektion"}]) == [
        "/blocks/1/type: unknown block type 'sektion'"
    ]


def test_unknown_field_is_rejected() -> None:
    errors = validate_blocks([{"type": "divider", "colour": "red"}])
    assert errors == ["/blocks/0: Additional properties are not allowed ('colour' was unexpected)"]


def test_section_without_text_or_fields_is_rejected_by_both_judges() -> None:
    errors = validate_blocks([{"type": "section"}])
    assert "/blocks/0: 'text' is a required property or 'fields' is a required property" in errors
    assert "/blocks/0: slack_sdk: text or fields attribute must be specified" in errors


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        (
            {"type": "header"},
            "/blocks/0: 'text' is a required property",
        ),
        (
            {"type": "actions", "elements": [{"type": "button", "action_id": "a"}]},
            "/blocks/0/elements/0: 'text' is a required property",
        ),
        (
            {"type": "section", "text": {"type": "mrkdwn"}},
            "/blocks/0/text: 'text' is a required property",
        ),
    ],
    ids=["header", "button", "text-object"],
)
def test_missing_text_is_rejected(block: dict[str, Any], expected: str) -> None:
    assert expected in validate_blocks([block])


@pytest.mark.parametrize(
    "element",
    [
        {"type": "plain_text_input", "action_id": "a"},  # an input element, not an action
        {"type": "buton", "action_id": "a", "text": plain("Go")},
    ],
    ids=["input-in-actions", "misspelt"],
)
def test_bad_element_in_actions_is_rejected(element: dict[str, Any]) -> None:
    errors = validate_blocks([{"type": "actions", "elements": [element]}])
    assert f"/blocks/0/elements/0/type: {element['type']!r} is not allowed here" in errors


def test_message_block_count_limit_is_fifty() -> None:
    assert validate_blocks([{"type": "divider"}] * 50) == []
    assert validate_blocks([{"type": "divider"}] * 51) == [
        "/blocks: 51 blocks, a message allows at most 50"
    ]


def test_modal_and_home_allow_a_hundred_blocks() -> None:
    assert validate_view(modal(blocks=[{"type": "divider"}] * 100)) == []
    assert validate_view({"type": "home", "blocks": [{"type": "divider"}] * 100}) == []
    errors = validate_view({"type": "home", "blocks": [{"type": "divider"}] * 101})
    assert "/blocks: 101 blocks, a home allows at most 100" in errors


def test_empty_blocks_are_rejected() -> None:
    assert validate_blocks([]) == ["/blocks: must contain at least one block"]
    assert validate_blocks("not a list") == ["/blocks: must be an array of blocks, got str"]


def test_section_text_limit_is_3000() -> None:
    assert validate_blocks([section("x" * 3000)]) == []
    assert "/blocks/0/text/text: longer than 3000 characters (3001)" in validate_blocks(
        [section("x" * 3001)]
    )


def test_modal_title_limit_is_24() -> None:
    assert validate_view(modal(title="x" * 24)) == []
    errors = validate_view(modal(title="x" * 25))
    assert "/title/text: longer than 24 characters (25)" in errors
    assert "/: slack_sdk: title must be between 1 and 24 characters" in errors


def test_private_metadata_limit_is_3000() -> None:
    assert validate_view(modal(private_metadata="m" * 3000)) == []
    assert "/private_metadata: longer than 3000 characters (3001)" in validate_view(
        modal(private_metadata="m" * 3001)
    )


def test_modal_with_input_needs_submit() -> None:
    field = {
        "type": "input",
        "block_id": "need",
        "label": plain("Need"),
        "element": {"type": "plain_text_input", "action_id": "need"},
    }
    assert validate_view(modal(blocks=[field], submit=plain("Assess"))) == []
    assert "/: 'submit' is a required property" in validate_view(modal(blocks=[field]))


def test_home_view_cannot_have_submit() -> None:
    errors = validate_view({"type": "home", "blocks": [section("hi")], "submit": plain("Go")})
    assert "/: Additional properties are not allowed ('submit' was unexpected)" in errors
    assert "/: slack_sdk: home view cannot have submit and close" in errors


def test_unknown_view_type_is_rejected() -> None:
    assert validate_view({"type": "dialog", "blocks": [section("x")]}) == [
        "/type: view type must be 'modal' or 'home', got 'dialog'"
    ]


def test_block_ids_must_be_unique() -> None:
    errors = validate_blocks([section("a", block_id="row"), section("b", block_id="row")])
    assert errors == ["/blocks/1/block_id: duplicate block_id 'row' (also /blocks/0)"]


def test_action_ids_must_be_unique_within_a_block_only() -> None:
    same_block = [{"type": "actions", "elements": [button("pick", "A"), button("pick", "B")]}]
    assert validate_blocks(same_block) == ["/blocks/0: duplicate action_id 'pick' in one block"]
    # The usual list of rows: one action_id, told apart by block_id.
    rows = [section(f"row {i}", block_id=f"r{i}", accessory=button("pick")) for i in range(3)]
    assert validate_blocks(rows) == []


def test_unknown_surface_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="surface"):
        validate_blocks([section("x")], surface="dialog")

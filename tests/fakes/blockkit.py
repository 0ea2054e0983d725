"""Block Kit validation for tests: what Slack would refuse, we refuse first.

Two independent judges are asked, because each misses things the other sees: the JSON Schema in
``tests/data/blockkit`` (strict about shapes and unknown fields) and slack_sdk's models
(Slack's own client-side rules). Slack's payload-level limits that neither enforces per block
(block counts per surface, unique ids) are checked here too.

Errors are strings ``"<json-pointer>: <what is wrong>"``, in the spirit of Slack's own
``[json-pointer:/blocks/0/text]`` messages, so a failing test says where to look.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from slack_sdk.errors import SlackObjectFormationError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from tests.support.data import data_path

# Slack's documented limits (https://docs.slack.dev/reference/block-kit).
MAX_BLOCKS = {"message": 50, "modal": 100, "home": 100}
MAX_MODAL_TITLE = 24
MAX_PRIVATE_METADATA = 3000
MAX_SECTION_TEXT = 3000


@functools.cache
def _schema() -> dict[str, Any]:
    path = data_path("blockkit", "slack-block-kit.schema.json")
    return json.loads(path.read_text(encoding="utf-8"))


@functools.cache
def _validator(definition: str) -> Draft202012Validator:
    """One compiled validator per ``$defs`` entry, built on first use and kept."""
    defs = _schema()["$defs"]
    return Draft202012Validator(
        {"$ref": f"#/$defs/{definition}", "$defs": defs},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


@functools.cache
def _block_definitions() -> dict[str, str]:
    """Block ``type`` -> its ``$defs`` name, read from the schema's ``block`` union."""
    defs = _schema()["$defs"]
    names = (ref["$ref"].rsplit("/", 1)[1] for ref in defs["block"]["oneOf"])
    return {defs[name]["properties"]["type"]["const"]: name for name in names}


def validate_blocks(blocks: Any, *, surface: str = "message") -> list[str]:
    """Errors for a ``blocks`` array sent to ``surface`` (message, modal or home); [] if valid."""
    if surface not in MAX_BLOCKS:
        raise ValueError(f"surface must be one of {sorted(MAX_BLOCKS)}, not {surface!r}")
    if not isinstance(blocks, list):
        return [f"/blocks: must be an array of blocks, got {type(blocks).__name__}"]
    errors: list[str] = []
    if not blocks:
        errors.append("/blocks: must contain at least one block")
    if len(blocks) > MAX_BLOCKS[surface]:
        errors.append(
            f"/blocks: {len(blocks)} blocks, a {surface} allows at most {MAX_BLOCKS[surface]}"
        )
    for index, block in enumerate(blocks):
        errors.extend(_block_errors(block, f"/blocks/{index}"))
    errors.extend(_duplicate_ids(blocks))
    return errors


def validate_view(view: Any) -> list[str]:
    """Errors for a view sent with ``views.open/update/push/publish``; [] if valid."""
    if not isinstance(view, dict):
        return [f"/: a view must be an object, got {type(view).__name__}"]
    kind = view.get("type")
    if kind not in ("modal", "home"):
        return [f"/type: view type must be 'modal' or 'home', got {kind!r}"]
    # Errors inside blocks are reported block by block below, with better messages than the
    # schema's "not valid under any of the given schemas" for the whole block union.
    errors = [
        _describe(error)
        for error in _validator(f"{kind}_view").iter_errors(view)
        if not (len(error.absolute_path) >= 2 and error.absolute_path[0] == "blocks")
    ]
    blocks = view.get("blocks")
    if isinstance(blocks, list):
        errors.extend(validate_blocks(blocks, surface=kind))
    title = view.get("title")
    if (
        kind == "modal"
        and isinstance(title, dict)
        and len(str(title.get("text"))) > MAX_MODAL_TITLE
    ):
        _add_once(
            errors, "/title/text", f"a modal title allows at most {MAX_MODAL_TITLE} characters"
        )
    metadata = view.get("private_metadata")
    if metadata is not None and (
        not isinstance(metadata, str) or len(metadata) > MAX_PRIVATE_METADATA
    ):
        _add_once(errors, "/private_metadata", f"at most {MAX_PRIVATE_METADATA} characters")
    try:
        View(**view).validate_json()
    except SlackObjectFormationError as exc:
        errors.append(f"/: slack_sdk: {exc}")
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        errors.append(f"/: slack_sdk cannot build this view ({exc})")
    return _unique(errors)


def _block_errors(block: Any, pointer: str) -> list[str]:
    if not isinstance(block, dict):
        return [f"{pointer}: a block must be an object, got {type(block).__name__}"]
    kind = block.get("type")
    definition = _block_definitions().get(kind) if isinstance(kind, str) else None
    if definition is None:
        return [f"{pointer}/type: unknown block type {block.get('type')!r}"]
    errors = [_describe(e, pointer) for e in _validator(definition).iter_errors(block)]
    text = block.get("text")
    if (
        block["type"] == "section"
        and isinstance(text, dict)
        and len(str(text.get("text"))) > MAX_SECTION_TEXT
    ):
        _add_once(errors, f"{pointer}/text/text", f"at most {MAX_SECTION_TEXT} characters")
    try:
        parsed = Block.parse(block)
        if parsed is not None:
            parsed.validate_json()
    except SlackObjectFormationError as exc:
        errors.append(f"{pointer}: slack_sdk: {exc}")
    except (TypeError, KeyError, ValueError, AttributeError) as exc:
        errors.append(f"{pointer}: slack_sdk cannot build this block ({exc})")
    return _unique(errors)


def _duplicate_ids(blocks: list[Any]) -> list[str]:
    """block_id must be unique in a message or view; action_id within its containing block."""
    errors: list[str] = []
    seen_blocks: dict[str, int] = {}
    for index, block in enumerate(blocks):
        if not isinstance(block, dict):
            continue
        block_id = block.get("block_id")
        if isinstance(block_id, str):
            if block_id in seen_blocks:
                errors.append(
                    f"/blocks/{index}/block_id: duplicate block_id {block_id!r} "
                    f"(also /blocks/{seen_blocks[block_id]})"
                )
            else:
                seen_blocks[block_id] = index
        action_ids = list(_action_ids(block))
        for action_id in sorted({a for a in action_ids if action_ids.count(a) > 1}):
            errors.append(f"/blocks/{index}: duplicate action_id {action_id!r} in one block")
    return errors


def _action_ids(node: Any) -> Iterator[str]:
    """Every action_id of a block's elements; nested child blocks are blocks of their own."""
    if isinstance(node, dict):
        if isinstance(node.get("action_id"), str):
            yield node["action_id"]
        for key, value in node.items():
            if key != "blocks":
                yield from _action_ids(value)
    elif isinstance(node, list):
        for item in node:
            yield from _action_ids(item)


def _describe(error: ValidationError, prefix: str = "") -> str:
    """One line per error; for a union, say what the branch that fits the ``type`` lacks."""
    pointer = prefix + "".join(f"/{part}" for part in error.absolute_path) or "/"
    if error.validator in ("oneOf", "anyOf") and error.context:
        branches: dict[Any, list[ValidationError]] = {}
        for sub in error.context:
            branches.setdefault(sub.relative_schema_path[0], []).append(sub)
        fitting = [errs for errs in branches.values() if not _rejected_on_type(errs)]
        if not fitting and isinstance(error.instance, dict):
            return f"{pointer}/type: {error.instance.get('type')!r} is not allowed here"
        if len(fitting) == 1:
            return "; ".join(_describe(sub, prefix) for sub in fitting[0])
        if len(fitting) == len(branches):  # not a tagged union: any branch would do
            return f"{pointer}: " + " or ".join(
                _short_message(sub) for errs in fitting for sub in errs
            )
    return f"{pointer}: {_short_message(error)}"


def _rejected_on_type(errors: list[ValidationError]) -> bool:
    return any(e.validator == "const" and list(e.relative_path) == ["type"] for e in errors)


def _short_message(error: ValidationError) -> str:
    """jsonschema repeats the whole instance in its messages; state the limit instead."""
    limit = error.validator_value
    if error.validator == "maxLength":
        return f"longer than {limit} characters ({len(error.instance)})"
    if error.validator == "minLength":
        return f"shorter than {limit} characters"
    if error.validator == "maxItems":
        return f"more than {limit} items ({len(error.instance)})"
    if error.validator == "minItems":
        return f"fewer than {limit} items"
    message = error.message
    return message if len(message) <= 200 else message[:197] + "..."


def _add_once(errors: list[str], pointer: str, message: str) -> None:
    """Our own limit checks back the schema up; say it once if the schema already did."""
    if not any(e.startswith(f"{pointer}:") for e in errors):
        errors.append(f"{pointer}: {message}")


def _unique(errors: list[str]) -> list[str]:
    return list(dict.fromkeys(errors))

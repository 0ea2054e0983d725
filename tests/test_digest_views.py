"""The digest message: Block Kit that Slack accepts, feed text that cannot ping or forge links."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.digest.delivery import DeliveryProblem
from bot.news.compose import Digest, DigestItem
from bot.news.why import DecisionRef
from bot.views.digest import digest_blocks, digest_text, failure_summary, item_text
from tests.fakes.blockkit import validate_blocks

NOW = datetime(2026, 3, 9, 8, 0, tzinfo=UTC)
DECISIONS = tuple(DecisionRef(str(n), f"Decision {n}", "wrap") for n in range(1, 4))


def _item(n: int, **changes: object) -> DigestItem:
    values: dict = {
        "title": f"Story {n}",
        "url": f"https://news.example/{n}",
        "sources": ("Wire",),
        "published": NOW,
        "topic": "pricing_apis",
        "why": "Wrapping just got cheaper.",
        "decisions": (),
        "key": f"u:{n}",
        "keys": frozenset({f"u:{n}"}),
    }
    values.update(changes)
    return DigestItem(**values)


def _dicts(blocks) -> list[dict]:
    return [b.to_dict() for b in blocks]


def test_twenty_stories_each_bearing_on_three_decisions_fit_in_fifty_valid_blocks() -> None:
    digest = Digest(NOW, "en", tuple(_item(n, decisions=DECISIONS) for n in range(1, 21)))
    blocks = _dicts(digest_blocks(digest, "en", "2026-03-09", footer="Footer", notes=["A note"]))
    assert validate_blocks(blocks, surface="message") == []
    assert len(blocks) == 1 + 1 + 1 + 20 + 3 + 1  # header, note, intro, stories, 3 lines, footer
    lines = [b for b in blocks if b.get("block_id", "").startswith("digest.decision.")]
    # Each decision once, under the first (best-ranked) story that bears on it, two at most.
    assert [b["block_id"] for b in lines] == [
        "digest.decision.1",
        "digest.decision.2",
        "digest.decision.3",
    ]
    assert [blocks.index(b) for b in lines] == [4, 5, 7]
    assert lines[0]["accessory"] == {
        "type": "button",
        "action_id": "decisions.reminder.revisit",
        "value": "1",
        "text": {"type": "plain_text", "text": "Revisit", "emoji": True},
    }


def test_decision_lines_stop_where_the_block_budget_ends() -> None:
    many = tuple(DecisionRef(str(n), f"D{n}", "wrap") for n in range(100))
    digest = Digest(
        NOW, "en", tuple(_item(n, decisions=many[2 * n : 2 * n + 2]) for n in range(20))
    )
    blocks = _dicts(digest_blocks(digest, "en", "2026-03-09", footer="F"))
    assert len(blocks) == 50
    assert blocks[-1]["type"] == "context"  # the footer kept
    assert validate_blocks(blocks, surface="message") == []


def test_feed_text_cannot_ping_or_forge_a_link() -> None:
    item = _item(
        1,
        title="<!channel> AT&T <https://evil.example|click here>",
        url="https://news.example/a|b>c",
        sources=("<@U123>", "Wire"),
        why="Cheaper <!here>.",
    )
    text = item_text(item, "en")
    assert text.startswith(
        "*<https://news.example/a%7Cb&gt;c|&lt;!channel&gt; AT&amp;T "
        "&lt;https://evil.example|click here&gt;>*\n"
    )
    assert "Cheaper &lt;!here&gt;." in text
    assert "&lt;@U123&gt;, Wire" in text
    assert "<!" not in text and "<@" not in text


def test_long_links_and_titles_stay_within_slack_limits() -> None:
    item = _item(
        1,
        title="T" * 300,
        url="https://news.example/" + "x" * 1990,
        sources=tuple(f"Outlet {n} " + "n" * 190 for n in range(12)),
        why="W" * 280,
    )
    blocks = _dicts(digest_blocks(Digest(NOW, "en", (item,)), "en", "2026-03-09"))
    assert validate_blocks(blocks, surface="message") == []
    assert len(blocks[2]["text"]["text"]) <= 3000
    assert "+8 more" in blocks[2]["text"]["text"]


def test_an_undated_story_without_a_link() -> None:
    text = item_text(_item(1, url=None, published=None, topic="research"), "en")
    assert text == "*Story 1*\nWrapping just got cheaper.\nResearch · Wire · date unknown"


def test_an_empty_digest_says_nothing_new_in_both_languages() -> None:
    for lang, words in (("en", "Nothing new"), ("fr", "Rien de neuf")):
        blocks = _dicts(digest_blocks(Digest(NOW, lang, ()), lang, "2026-03-09"))
        assert words in blocks[1]["text"]["text"]
        assert validate_blocks(blocks, surface="message") == []


def test_the_notification_text_names_the_first_story() -> None:
    digest = Digest(NOW, "fr", (_item(1, title="A & B"), _item(2)))
    assert digest_text(digest, "fr", "2026-03-09") == (
        "Veille IA du 2026-03-09\u00a0: 2 nouvelles pour vos décisions construire-ou-acheter. "
        "A &amp; B"
    )


def test_admins_read_delivery_problems_in_words() -> None:
    assert failure_summary([], "en") is None
    problems = [
        DeliveryProblem("2026-03-09", "channel:C1", "failed", "is_archived", NOW),
        DeliveryProblem("2026-03-09", "user:U1", "failed", "cannot_dm_bot", NOW),
        DeliveryProblem("2026-03-02", "user:U2", "missed", None, NOW),
    ]
    assert failure_summary(problems, "en").split("\n") == [
        "*Recent delivery problems* (admins see this):",
        "• 2026-03-09 · <#C1> · not sent: That channel is archived. Pick another one.",
        "• 2026-03-09 · <@U1> · not sent: cannot_dm_bot",
        "• 2026-03-02 · <@U2> · missed: the worker was down past the grace window",
    ]

"""``digest preview``: JSON and text output, failing feeds on stderr, exit codes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from bot.i18n import t
from bot.news.preview import main
from tests.fakes.feed_server import FeedServer
from tests.fakes.feed_server import feed_server as feed_server_fixture  # noqa: F401

ALLOW = "FEEDS_ALLOW_PRIVATE_ADDRESSES"


@pytest.fixture
def allow_private(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ALLOW, "true")


def _args(server: FeedServer, *paths: str) -> list[str]:
    return [arg for p in paths for arg in ("--feed", server.url(p))]


@pytest.mark.usefixtures("allow_private")
def test_json_output(feed_server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            *_args(feed_server, "/same-a.xml", "/same-b.xml", "/same-c.xml", "/rss2.xml"),
            "--format",
            "json",
            "--limit",
            "3",
        ]
    )
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    data = json.loads(out)
    assert set(data) == {"generated_at", "items"}
    assert datetime.fromisoformat(data["generated_at"]).utcoffset() == timedelta(0)
    assert len(data["items"]) == 3
    for item in data["items"]:
        assert set(item) == {"title", "url", "sources", "published", "topic", "why"}
    first = data["items"][0]
    # Three outlets, open weights: 0.95 × (1 + ln 3) beats the fresher price cut (1.0 × 0.97).
    assert first["title"] == "Mistral releases Magistral Small with open weights"
    assert first["sources"] == ["Alpha", "Gamma", "Beta"]
    assert first["url"] == "https://mistral.example/news/magistral"
    assert first["topic"] == "open_weights"
    assert first["why"] == t("news.why.open_weights.default", "en")
    assert first["published"] == (feed_server.now - timedelta(hours=5)).isoformat()
    second = data["items"][1]
    assert (second["title"], second["topic"]) == (
        "OpenAI cuts GPT-4o prices by 50%",
        "pricing_apis",
    )
    assert second["sources"] == ["Main AI News"]


@pytest.mark.usefixtures("allow_private")
def test_text_output_in_french(feed_server: FeedServer, capsys: pytest.CaptureFixture[str]) -> None:
    code = main([*_args(feed_server, "/rss2.xml"), "--lang", "fr", "--limit", "2"])
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("Veille IA, ")
    assert "1. OpenAI cuts GPT-4o prices by 50%" in lines
    assert "   https://main.example/openai-prices?id=7" in lines
    assert any(line.startswith("   Prix et API · Main AI News · ") for line in lines)
    assert "   Pourquoi ça compte\u00a0: " + t("news.why.pricing_apis.price_cut", "fr") in lines
    assert "2. Anthropic raises $13 billion" in lines
    assert "3." not in out


@pytest.mark.usefixtures("allow_private")
def test_failing_feeds_are_reported_on_stderr_and_the_rest_still_print(
    feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        [
            *_args(
                feed_server, "/rss2.xml", "/error500", "/page.html", "/hang.xml", "/not-xml.xml"
            ),
            "--format",
            "json",
            "--timeout",
            "0.5",
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0
    assert len(json.loads(out)["items"]) == 3  # the three stories of /rss2.xml
    lines = err.splitlines()
    assert len(lines) == 4
    assert lines[0] == f"feed skipped: {feed_server.url('/error500')}: " + t(
        "news.fetch_error.http_status", "en", detail="HTTP 500"
    )
    assert lines[1].startswith(f"feed skipped: {feed_server.url('/page.html')}: not a feed")
    assert lines[2].startswith(f"feed skipped: {feed_server.url('/hang.xml')}: too slow")
    assert lines[3].startswith(f"feed skipped: {feed_server.url('/not-xml.xml')}: not a readable")


@pytest.mark.usefixtures("allow_private")
def test_no_feed_working_exits_1(
    feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main([*_args(feed_server, "/error500", "/json")])
    out, err = capsys.readouterr()
    assert code == 1
    assert out == ""
    assert err.splitlines()[-1] == t("news.preview.no_feed", "en")
    assert len(err.splitlines()) == 3


def test_private_addresses_are_refused_without_the_setting(
    feed_server: FeedServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ALLOW, raising=False)
    code = main(_args(feed_server, "/rss2.xml"))
    _, err = capsys.readouterr()
    assert code == 1
    assert "refused: 127.0.0.1 resolves to a loopback address" in err
    assert feed_server.hits["/rss2.xml"] == 0


@pytest.mark.parametrize("value", ["false", "", "no"])
def test_only_a_true_setting_allows_private_addresses(
    feed_server: FeedServer,
    monkeypatch: pytest.MonkeyPatch,
    value: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(ALLOW, value)
    assert main(_args(feed_server, "/rss2.xml")) == 1
    assert feed_server.hits["/rss2.xml"] == 0


@pytest.mark.parametrize(
    "argv",
    [
        ["--limit", "0"],
        ["--limit", "abc"],
        ["--limit", "51"],
        ["--format", "xml"],
        ["--lang", "de"],
        ["--feed", "file:///etc/passwd"],
        ["--feed", "ftp://example.com/feed"],
        ["--feed"],
        ["--timeout", "-1"],
        ["--bogus"],
        ["positional"],
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.splitlines()) == 1
    assert err.startswith("digest preview: ")


def test_help_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    assert "--feed URL" in capsys.readouterr().out


@pytest.mark.usefixtures("allow_private")
def test_the_cli_entry_point_routes_to_the_preview(
    feed_server: FeedServer, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main as cli_main

    code = cli_main(["digest", "preview", *_args(feed_server, "/atom.xml"), "--format", "json"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert [i["topic"] for i in json.loads(out)["items"]] == [
        "compute_infrastructure",
        "policy_regulation",
    ]

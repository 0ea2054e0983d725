"""The feeds every team gets unless its admins change them: well-known AI news sources.

A mix on purpose: vendors' own announcements (releases and prices land there first), trade
press (funding, deals, policy) and a couple of independent newsletters (research read by
practitioners). Each feed is fetched once per run however many teams use it.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.news.canonical import canonical_url


@dataclass(frozen=True, slots=True)
class FeedSource:
    """A feed and the outlet name a digest shows for its stories."""

    name: str
    url: str


DEFAULT_FEEDS: tuple[FeedSource, ...] = (
    FeedSource("OpenAI", "https://openai.com/news/rss.xml"),
    FeedSource("Google DeepMind", "https://deepmind.google/blog/rss.xml"),
    FeedSource("Google AI", "https://blog.google/technology/ai/rss/"),
    FeedSource("Hugging Face", "https://huggingface.co/blog/feed.xml"),
    FeedSource("NVIDIA", "https://blogs.nvidia.com/feed/"),
    FeedSource("AWS Machine Learning", "https://aws.amazon.com/blogs/machine-learning/feed/"),
    FeedSource("TechCrunch", "https://techcrunch.com/category/artificial-intelligence/feed/"),
    FeedSource("The Verge", "https://www.theverge.com/rss/ai-artificial-intelligence/index.xml"),
    FeedSource("VentureBeat", "https://venturebeat.com/category/ai/feed/"),
    FeedSource(
        "MIT Technology Review",
        "https://www.technologyreview.com/topic/artificial-intelligence/feed",
    ),
    FeedSource("Ars Technica", "https://arstechnica.com/ai/feed/"),
    FeedSource("The Decoder", "https://the-decoder.com/feed/"),
    FeedSource("Import AI", "https://importai.substack.com/feed"),
    FeedSource("Simon Willison", "https://simonwillison.net/atom/everything/"),
)

_NAMES = {canonical_url(f.url): f.name for f in DEFAULT_FEEDS}


def default_name(url: str) -> str | None:
    """The outlet name of a default feed, or None for a feed we don't know."""
    return _NAMES.get(canonical_url(url))

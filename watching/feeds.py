"""Reading a feed (RSS or Atom, with feedparser) as its items: a key that identifies each
across checks (its guid, else its link) and the link to archive."""

from dataclasses import dataclass

import feedparser


@dataclass(frozen=True)
class FeedItem:
    key: str
    link: str
    title: str


class NotAFeed(ValueError):
    pass


def read_feed(body: bytes, *, url: str) -> list[FeedItem]:
    """The items of the feed in `body` (fetched from `url`, against which relative links are
    resolved), oldest first as feeds list newest first; NotAFeed when it is neither RSS nor
    Atom. Items with no http(s) link are left out: there is nothing to archive."""
    parsed = feedparser.parse(body, response_headers={"content-location": url})
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception")
        raise NotAFeed(f"not an RSS or Atom feed{f' ({reason})' if reason else ''}")
    items, seen = [], set()
    for entry in parsed.entries:
        link = (entry.get("link") or "").strip()
        if not link.startswith(("http://", "https://")):
            continue
        key = (entry.get("id") or "").strip() or link
        if key in seen:
            continue
        seen.add(key)
        items.append(FeedItem(key=key[:2000], link=link, title=entry.get("title", "")))
    return items[::-1]

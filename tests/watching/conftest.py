"""The watching tests' loopback news site (feeds and pages on 127.0.0.1, which the fetcher may
reach only with private addresses allowed) is the end-to-end tests' one: `tests.e2e`, whose
fixtures (`news`) every test package has."""

from tests.e2e import atom, rss, story, wait_until

__all__ = ["atom", "rss", "story", "wait_until"]

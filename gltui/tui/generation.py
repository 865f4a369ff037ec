"""Numbered requests, so the answer to an older one never overwrites a newer one.

Textual cannot stop a thread worker (``exclusive`` only marks it cancelled), so a
slow answer can land after a faster, newer one: a search for "a" after the search
for "acme", a refresh of the old instances after the configuration changed. Each
request takes a number; an answer is used only while its number is the latest.
"""

from __future__ import annotations


class Generation:
    """A counter of requests of one kind."""

    def __init__(self) -> None:
        self.current = 0
        """The newest request's number (0: none yet)."""

    def next(self) -> int:
        """Number a new request; every earlier number is stale from now on."""
        self.current += 1
        return self.current

    def is_current(self, number: int) -> bool:
        """Whether an answer numbered ``number`` is for the newest request."""
        return number == self.current

"""Plain-text presentation shared by every front end (table, report, dashboard)."""

from __future__ import annotations

from collections.abc import Iterable

from gltui.domain.redact import scrub
from gltui.domain.tokens import Token


def printable(text: str) -> str:
    """Control characters (ANSI escapes included) shown as ``\\xNN``, never sent raw.

    Token names and GitLab's messages come from other people; printed as they are,
    an escape sequence in a name could rewrite the user's terminal.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


def printable_lines(text: str) -> str:
    """:func:`printable` line by line: the line breaks of a multi-line text are kept.

    For texts gltui lays out itself around others' words (a JSON preview can hold
    a C1 control in a name: JSON escapes only the C0 ones).
    """
    return "\n".join(printable(line) for line in text.split("\n"))


def printable_said(text: str, secrets: Iterable[str] = ()) -> str:
    """What a server said (an error message, a version string), ready to print.

    A hostile server chooses these words: it may echo the token it was called with
    (scrubbed to ``[redacted]``, with ``secrets`` for tokens of no known shape) or
    send escape sequences (shown as ``\\xNN``). Scrubbing twice is harmless.
    """
    return printable(scrub(text, secrets))


def describe(token: Token) -> str:
    """``"ci deploy": personal token on gitlab.com, of mara`` (plain text), as the action
    modals and the headless commands name a token."""
    belongs = "of" if token.resource is None else "in"
    return (
        f'"{printable(token.name)}": {token.kind.value} token on {printable(token.instance)}, '
        f"{belongs} {printable(owner_label(token))}"
    )


def owner_label(token: Token) -> str:
    """Who or what a token belongs to: its project/group path, else its owner."""
    if token.resource is not None:
        return token.resource.path or f"{token.resource.type.value} {token.resource.id}"
    if token.owner is not None and token.owner.username:
        return token.owner.username
    return "-"


def grouped(count: int) -> str:
    """``86,107``: a count a person reads, grouped by thousands (an administrator's
    inventory runs to six digits, and ``86107`` is hard to read at a glance). Machine
    formats (JSON, CSV, OpenMetrics) keep bare digits."""
    return f"{count:,}"


def compact_count(count: int) -> str:
    """At most four characters for any count below ten billion: ``999``, ``1.4k``,
    ``12k``, ``3.1M``; for a chart cell, where a full ``14,331`` would run into its
    neighbour. Rounded half up, in integers (no float surprises at ``9,950``)."""
    if count < 1000:
        return str(count)
    for size, unit in ((1000, "k"), (1_000_000, "M"), (1_000_000_000, "G")):
        tenths = (count * 10 + size // 2) // size
        if tenths < 100:
            return f"{tenths // 10}.{tenths % 10}{unit}"
        whole = (count + size // 2) // size
        if whole < 1000:
            return f"{whole}{unit}"
    return f"{(count + 500_000_000) // 1_000_000_000}G"

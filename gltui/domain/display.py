"""Plain-text presentation shared by every front end (table, report, dashboard)."""

from __future__ import annotations

from gltui.domain.tokens import Token


def printable(text: str) -> str:
    """Control characters (ANSI escapes included) shown as ``\\xNN``, never sent raw.

    Token names and GitLab's messages come from other people; printed as they are,
    an escape sequence in a name could rewrite the user's terminal.
    """
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)


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

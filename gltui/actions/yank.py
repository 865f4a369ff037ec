"""What the dashboard's yank menu copies about a token: everything but a secret.

Acting on a token usually happens elsewhere: a ticket names it, a runbook revokes it,
a colleague opens its page. The menu (``y``) copies the token's id, its name, its
GitLab page, the revoke call as a ``curl`` and as a ``glab api`` command line, and a
Markdown line. gltui holds no token value to copy (a listing never returns one), and
the command lines carry a placeholder (``$GITLAB_TOKEN``) where the user's token
goes, so a pasted command never leaks one into a chat or a shell history. Pure: no
Textual, no I/O; names come from GitLab and are made printable (and, in Markdown,
inert) first.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from urllib.parse import urlsplit

from gltui.adapters.endpoints import NotPossible, revoke_path
from gltui.domain.display import describe, printable
from gltui.domain.links import token_page_url
from gltui.domain.tokens import Token

TOKEN_PLACEHOLDER = "$GITLAB_TOKEN"  # noqa: S105 (a shell variable's name, not a secret)
"""What the command lines say instead of a token: the variable the user's shell holds
it in (the same name glab and gltui read)."""

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


@dataclass(frozen=True)
class Yank:
    """One entry of the menu: what it is, and the text it copies."""

    label: str
    text: str


def markdown_inert(text: str) -> str:
    """``text`` with every Markdown-active character escaped: a token named
    ``[click](https://evil)`` must not become a link in the ticket it is pasted into."""
    return _MARKDOWN.sub(r"\\\1", printable(text))


def revoke_commands(token: Token, instance_url: str) -> tuple[str, str] | None:
    """The revoke call as ``curl`` and as ``glab api`` (``None`` when gltui cannot name
    the endpoint, e.g. an impersonation token whose owner GitLab did not say)."""
    try:
        path = revoke_path(token)
    except NotPossible:
        return None
    base = instance_url.rstrip("/")
    curl = (
        f'curl --request DELETE --header "PRIVATE-TOKEN: {TOKEN_PLACEHOLDER}" '
        f"{shlex.quote(base + '/api/v4' + path)}"
    )
    host = urlsplit(base).netloc or base
    glab = f"glab api --hostname {shlex.quote(host)} --method DELETE {shlex.quote(path[1:])}"
    return curl, glab


def yanks(token: Token, instance_url: str) -> list[Yank]:
    """The menu's entries for ``token``, in the order shown."""
    page = token_page_url(instance_url, token) if instance_url else None
    entries = [
        Yank("Token id", str(token.id)),
        Yank("Name", printable(token.name)),
    ]
    if page:
        entries.append(Yank("GitLab page", page))
    commands = revoke_commands(token, instance_url) if instance_url else None
    if commands:
        entries.append(Yank("Revoke with curl", commands[0]))
        entries.append(Yank("Revoke with glab api", commands[1]))
    expiry = f"expires {token.expires_at:%Y-%m-%d}" if token.expires_at else "never expires"
    name = markdown_inert(token.name)
    subject = f"[{name}]({page})" if page else f"**{name}**"
    rest = markdown_inert(describe(token).split(": ", 1)[-1])
    entries.append(Yank("Markdown line", f"- {subject} (id {token.id}): {rest}, {expiry}"))
    return entries

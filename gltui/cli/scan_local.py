"""``gltui scan-local``: where GitLab tokens are stored on this machine, never their values.

After a leak, every copy of the value must go, and a token sitting in ``~/.netrc``
is the next one to leak. The scan is opt-in and local: it reads the well-known
places (:mod:`gltui.config.local_tokens`) and prints one row per token, its place,
host and shape. Only with ``--identify`` (the user's consent) is each value sent,
through the existing identify code, to the configured instances its shape allows:
that asks the token itself (``/personal_access_tokens/self``), which updates its
last-used time, and the output says so. Values are never printed, even in part.
Exit codes: 0 the scan ran, 2 bad usage (``--identify`` without a usable instance).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO
from urllib.parse import urlsplit

from gltui.cli.common import EXIT_OK, EXIT_USAGE, config_path, engine_for, load
from gltui.config.local_tokens import Scan, scan
from gltui.domain.display import printable
from gltui.domain.token_shape import shape_of

if TYPE_CHECKING:
    from gltui.actions.identify import Identified
    from gltui.config.model import Config
    from gltui.domain.secret import Secret

COMMAND = "gltui scan-local"
CONSENT_NOTE = (
    "--identify sends each value to the configured instances its shape allows; asking "
    "a token about itself updates its last-used time on GitLab."
)


def scan_local_command(args: argparse.Namespace) -> int:
    config = load(args, COMMAND)
    if config is None and args.identify:
        return EXIT_USAGE
    hosts = [urlsplit(i.url).hostname or "" for i in config.instances] if config else []
    home = Path(os.environ.get("HOME") or Path.home())
    found = scan(os.environ, home, config_path(args.config, os.environ), hosts)
    identified: dict[Secret, Identified | None] = {}
    if args.identify:
        assert config is not None
        if not _identify_all(args, config, found, identified):
            return EXIT_USAGE
    if args.json:
        print(json.dumps(_as_json(found, identified, args.identify), sort_keys=True))
    else:
        _say(found, identified, args.identify, sys.stdout)
    return EXIT_OK


def _identify_all(
    args: argparse.Namespace,
    config: Config,
    found: Scan,
    identified: dict[Secret, Identified | None],
) -> bool:
    """Each distinct value once (the same token in three places costs one request)."""
    from gltui.actions.identify import identify
    from gltui.inventory.connect import api_for
    from gltui.wiring.specs import instance_specs

    specs = [replace(spec, request_log=args.request_log) for spec in instance_specs(config)]
    specs = [spec for spec in specs if not spec.token_problem]
    if not specs:
        print(f"{COMMAND}: --identify needs an instance with a usable token", file=sys.stderr)
        return False
    print(f"{COMMAND}: {CONSENT_NOTE}", file=sys.stderr)
    inventory = engine_for(config).cached()
    for row in found.rows:
        value = row.found.value
        if value not in identified:
            identified[value] = identify(value, specs, api_for, inventory).found
    return True


def _expiry(expires_at: str | None, today: date) -> str:
    """``expires in 3 days``, ``expired 2 days ago``, ``never expires``."""
    if not expires_at:
        return "never expires"
    try:
        days = (date.fromisoformat(expires_at[:10]) - today).days
    except ValueError:
        return f"expires {printable(expires_at)}"
    if days < 0:
        return f"expired {-days} day{'s' if days != -1 else ''} ago"
    return "expires today" if days == 0 else f"expires in {days} day{'s' if days != 1 else ''}"


def _summary(place: str, where: str, found: Identified, today: date) -> str:
    """The row linked to the inventory: ``stored in ~/.netrc; expires in 3 days``."""
    state = _expiry(found.expires_at, today) if found.active else "NOT active"
    who = f" of {found.owner}" if found.owner else ""
    inventory = "in the inventory" if found.row is not None else "not in the inventory"
    return (
        f"stored in {place} {where}; {state}: {found.kind} token {found.name!r}{who} "
        f"(id {found.id}) on {found.instance}, {inventory}"
    )


def _as_json(
    found: Scan, identified: dict[Secret, Identified | None], asked: bool
) -> dict[str, Any]:
    rows = []
    for row in found.rows:
        entry: dict[str, Any] = {
            "place": row.place,
            "where": row.found.where,
            "host": row.found.host,
            "shape": shape_of(row.found.value).describe(),
        }
        if asked:
            match = identified.get(row.found.value)
            entry["identified"] = match.as_json() if match else None
        rows.append(entry)
    return {"rows": rows, "read": found.read, "unreadable": found.unreadable, "identify": asked}


def _say(
    found: Scan, identified: dict[Secret, Identified | None], asked: bool, out: TextIO
) -> None:
    today = date.today()
    looked = ", ".join(found.read) or "none of the files exist"
    print(
        f"Files read: {printable(looked)}; and the environment. Values are never shown.", file=out
    )
    for line in found.unreadable:
        print(f"Cannot read {printable(line)}", file=out)
    if not found.rows:
        print("No GitLab token stored in the well-known places.", file=out)
        return
    for row in found.rows:
        stored = row.found
        host = f" for {stored.host}" if stored.host else ""
        shape = shape_of(stored.value).describe()
        print(printable(f"{row.place} {stored.where}{host}: {shape}"), file=out)
        if not asked:
            continue
        match = identified.get(stored.value)
        if match is None:
            print("  not identified on any configured instance", file=out)
        else:
            print(f"  {printable(_summary(row.place, stored.where, match, today))}", file=out)
    if not asked:
        print(
            "Run with --identify to ask the configured instances which tokens these are "
            "(it updates each token's last-used time).",
            file=out,
        )

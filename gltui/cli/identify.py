"""``gltui identify``: a leaked value in on stdin, whose it is (and revoked) out.

The value is read once, from stdin (``getpass`` at a terminal, so it is not echoed),
wrapped in a :class:`~gltui.domain.secret.Secret` at once, and never printed: the
answer names the token (instance, kind, name, owner, ...), not its value. Exit
codes: 0 identified (and revoked with ``--revoke``), 1 not found or failed, 2 bad
usage (no value, not confirmed; a value on the command line is refused earlier, in
:func:`gltui.cli.main`).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TextIO

from gltui.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    chosen_specs,
    confirming_stream,
    engine_for,
)
from gltui.domain.display import printable
from gltui.domain.secret import Secret
from gltui.domain.token_shape import shape_of

if TYPE_CHECKING:
    from gltui.actions.identify import Identified
    from gltui.inventory.spec import InstanceSpec

COMMAND = "gltui identify"


def read_value(stream: TextIO) -> Secret:
    """One line from stdin; at a terminal through ``getpass`` (no echo)."""
    if stream.isatty():
        return Secret(getpass.getpass("Token value (not shown): ").strip())
    return Secret(stream.readline().strip())


def identify_command(args: argparse.Namespace) -> int:
    from gltui.actions.identify import identify
    from gltui.inventory.connect import api_for

    chosen = chosen_specs(args, COMMAND)
    if chosen is None:
        return EXIT_USAGE
    config, specs = chosen
    if args.instance and not specs:
        print(f"{COMMAND}: no instance {printable(args.instance)!r}", file=sys.stderr)
        return EXIT_USAGE
    specs = [spec for spec in specs if not spec.token_problem]
    if not specs:
        print(f"{COMMAND}: no instance configured with a usable token", file=sys.stderr)
        return EXIT_USAGE
    value = read_value(sys.stdin)
    if not value:
        print(f"{COMMAND}: no value on stdin", file=sys.stderr)
        return EXIT_USAGE
    outcome = identify(value, specs, api_for, engine_for(config).cached())
    found = outcome.found
    report: dict[str, object] = {
        "shape": outcome.shape.describe(),
        "found": found.as_json() if found else None,
        "tried": outcome.tried,
        "advice": outcome.advice,
    }
    if found is None and args.revoke and not outcome.shape.self_describing:
        return _revoke_unidentified(args, value, specs, report)
    if found is None:
        _say(args.json, report, sys.stdout)
        return EXIT_ERROR
    if not args.revoke:
        _say(args.json, report, sys.stdout)
        return EXIT_OK
    if not args.json:
        _say(False, report, sys.stdout)
    spec = next(spec for spec in specs if spec.name == found.instance)
    if args.readonly or spec.readonly:
        print(f"{COMMAND}: {printable(spec.name)} is read-only; nothing revoked", file=sys.stderr)
        return EXIT_USAGE
    if not _confirmed(args, found.own, spec.name):
        return EXIT_USAGE
    return _revoke(args, value, found, spec, report)


def _confirmed(args: argparse.Namespace, own: bool, instance: str) -> bool:
    """The word ``revoke`` (``revoke <instance>`` for gltui's own token), or ``--yes``."""
    if own:
        print(
            f"This is the token gltui itself uses for {printable(instance)}: once revoked, "
            "gltui can no longer read or change anything there until you configure a new one.",
            file=sys.stderr,
        )
    if args.yes and (not own or args.including_own):
        return True
    word = f"revoke {instance}" if own else "revoke"
    if args.yes or confirming_stream() is None:
        needs = "--yes --including-own" if own else "--yes"
        print(
            f"{COMMAND}: not confirmed; type {word!r} at a terminal or pass {needs}",
            file=sys.stderr,
        )
        return False
    print(f"Type {word!r} to revoke it: ", end="", file=sys.stderr, flush=True)
    if sys.stdin.readline().strip() != word:
        print(f"{COMMAND}: not confirmed; nothing revoked", file=sys.stderr)
        return False
    return True


def _revoke(
    args: argparse.Namespace,
    value: Secret,
    found: Identified,
    spec: InstanceSpec,
    report: dict[str, object],
) -> int:
    from gltui.actions.identify import record, revoke
    from gltui.inventory.connect import api_for
    from gltui.paths import data_dir

    port = api_for(spec)
    try:
        done = revoke(value, found, port)
    finally:
        port.close()
    report["revoked"] = {"route": done.route, "verified": done.verified, "detail": done.detail}
    if done.route:
        try:
            record(data_dir(), found, done, datetime.now(UTC))
        except OSError as error:
            print(f"{COMMAND}: revoked, but not recorded: {error.strerror}", file=sys.stderr)
    if args.json:
        _say(True, report, sys.stdout)
    elif done.route:
        check = "verified: it no longer works" if done.verified else "NOT verified"
        print(f"Revoked by value through {printable(done.route)} ({check}).")
    else:
        print(f"{COMMAND}: not revoked: {printable(done.detail)}", file=sys.stderr)
    return EXIT_OK if done.route and done.verified else EXIT_ERROR


def _revoke_unidentified(
    args: argparse.Namespace, value: Secret, specs: list[InstanceSpec], report: dict[str, object]
) -> int:
    """Not identified (no admin rights), yet a top-level group Owner may revoke it."""
    from gltui.actions.identify import unidentified

    if not args.json:
        _say(False, report, sys.stdout)
        print("Trying the group revoke API of the top-level groups you own.")
    if not _confirmed(args, False, ""):
        return EXIT_USAGE
    shape = shape_of(value)
    for spec in specs:
        if args.readonly or spec.readonly:
            continue
        code = _revoke(args, value, unidentified(spec.name, shape), spec, report)
        if code == EXIT_OK:
            return code
    return EXIT_ERROR


def _say(as_json: bool, report: dict[str, object], out: TextIO) -> None:
    if as_json:
        print(json.dumps(report, sort_keys=True), file=out)
        return
    print(f"Shape: {report['shape']}", file=out)
    for line in report["tried"] or []:  # type: ignore[attr-defined]
        print(f"  {printable(str(line))}", file=out)
    found = report["found"]
    if not isinstance(found, dict):
        print("Not found on any configured instance.", file=out)
        for line in report["advice"] or []:  # type: ignore[attr-defined]
            print(f"  {printable(str(line))}", file=out)
        return
    state = "active" if found["active"] else "NOT active (revoked or expired)"
    where = printable(str(found["instance"]))
    print(f"Found on {where} (asked: {found['route']}): {state}", file=out)
    fields = (
        ("kind", found["kind"]),
        ("id", found["id"]),
        ("name", found["name"]),
        ("owner", found["owner"]),
        ("scopes", ", ".join(found["scopes"])),
        ("expires", found["expires_at"] or "never"),
        ("last used", found["last_used_at"] or "never"),
        ("last IPs", ", ".join(found["last_used_ips"]) or "-"),
        ("inventory", "in the last snapshot" if found["in_inventory"] else "not in the snapshot"),
    )
    for label, field_value in fields:
        print(f"  {label:<10} {printable(str(field_value))}", file=out)
    if found["own"]:
        print("  This is the token gltui itself uses for that instance.", file=out)

"""``gltui rotate`` and ``gltui replace``: their options and their runner."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from gltui.cli.common import EXIT_USAGE, confirming_stream, iso_day, named_token_spec
from gltui.config.model import MAX_ROTATION_DAYS
from gltui.domain.handoff import TARGET_SPEC_HELP
from gltui.domain.tokens import TokenKind

_DESCRIPTION = {
    "rotate": "Rotate one token (GitLab revokes it and issues its successor), write the new "
    "value to every target (remembered in the config's [[handoffs]], or --target), check "
    "that it signs in and that every target reads it back. Every target is checked before "
    "anything changes; a target that cannot take the value stops the rotation.",
    "replace": "Replace one token: create its successor, write the new value to every "
    "target, verify, and only then revoke the old token. A target that fails keeps the old "
    "token working (a pending replacement, finished with p in the dashboard).",
}


EXIT_HELP = (
    "Exit codes: 0 done (every target written and verified, or not verifiable, and the "
    "new token signs in); 1 GitLab refused or failed; 2 bad usage or not confirmed; "
    "3 a target could not be written (replace keeps the old token); 4 written, but a "
    "target read back something else or the new token did not sign in (replace keeps "
    "the old token)."
)
"""Kept here (not beside the codes in :mod:`gltui.actions.handoff.command`) so that
building the parser loads none of the write side."""


def _days(text: str) -> int:
    value = text.strip().removesuffix("d")
    if not value.isdigit() or not 1 <= int(value) <= MAX_ROTATION_DAYS:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of days from 1 to {MAX_ROTATION_DAYS}"
        )
    return int(value)


def add_handoff_parsers(commands: Any) -> None:
    """``gltui rotate`` and ``gltui replace`` (the same options)."""
    for mode in ("rotate", "replace"):
        parser = commands.add_parser(
            mode,
            help=f"{mode} a token and hand its new value to its targets (CI variables, a "
            "store command, the keyring, glab or python-gitlab), verified",
            description=f"{_DESCRIPTION[mode]} {EXIT_HELP}",
        )
        parser.add_argument("--instance", metavar="NAME", help="needed when several are configured")
        parser.add_argument("--id", type=int, action="append", default=[], help="the token's id")
        parser.add_argument("--name", action="append", default=[], help="the token's exact name")
        parser.add_argument("--kind", choices=[kind.value for kind in TokenKind])
        parser.add_argument(
            "--target",
            action="append",
            default=[],
            metavar="TARGET",
            help=f"where the new value goes, besides the remembered targets (repeatable): "
            f"{TARGET_SPEC_HELP}. A command receives the value on stdin; never put a secret "
            "here",
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="create a --target CI variable that does not exist (masked, not protected)",
        )
        parser.add_argument(
            "--remember",
            action="store_true",
            help="add the --target targets that took the value to the config's [[handoffs]]",
        )
        lifetime = parser.add_mutually_exclusive_group()
        lifetime.add_argument(
            "--days",
            type=_days,
            metavar="N",
            help="the successor lives N days (default: settings.rotation_days, 90), capped "
            "by the instance's maximum lifetime",
        )
        lifetime.add_argument("--expires", type=iso_day, metavar="YYYY-MM-DD")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
        parser.add_argument(
            "--json", action="store_true", help="the result as one JSON object on stdout"
        )
        parser.add_argument(
            "--print-value",
            action="store_true",
            help='print the new value once, on stdout (alone, or as "token" in JSON)',
        )


def run_handoff_command(args: argparse.Namespace) -> int:
    """Run ``gltui rotate`` or ``gltui replace``."""
    from datetime import UTC, datetime

    from gltui.actions.handoff.command import HandoffRequest, run_handoff
    from gltui.actions.handoff.flow import Mode
    from gltui.actions.pending import PendingStore
    from gltui.paths import data_dir

    command = f"gltui {args.command}"
    found = named_token_spec(args, command)
    if found is None:
        return EXIT_USAGE
    spec, config = found
    request = HandoffRequest(
        mode=Mode(args.command),
        ids=args.id,
        names=args.name,
        kind=TokenKind(args.kind) if args.kind else None,
        target_specs=args.target,
        create_missing=args.create_missing,
        remember=args.remember,
        expires_at=args.expires,
        days=args.days,
        yes=args.yes,
        as_json=args.json,
        print_value=args.print_value,
    )
    return run_handoff(
        spec,
        request,
        now=datetime.now(UTC),
        handoffs=config.handoffs,
        rotation_days=config.settings.rotation_days,
        config_path=config.path,
        pending=PendingStore(data_dir()),
        environ=os.environ,
        home=Path.home(),
        out=sys.stdout,
        err=sys.stderr,
        ask=confirming_stream(),
    )

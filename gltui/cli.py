"""The ``gltui`` command: dashboard (default), demo and sandbox.

Sub-commands import what they need lazily so ``gltui --help`` and
``gltui sandbox`` start fast and never load Textual they do not use.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from gltui import __version__


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="gltui",
        description="Every GitLab access token you own or administer, across instances.",
    )
    parser.add_argument("--version", action="version", version=f"gltui {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    commands.add_parser("demo", help="try gltui against an embedded sandbox GitLab")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    print(f"gltui: {args.command} is not available yet", file=sys.stderr)
    return 2

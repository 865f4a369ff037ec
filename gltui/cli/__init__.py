"""The ``gltui`` command: dashboard (default), demo, report, exporter, revoke, create, rotate,
replace, config, identify, scan-local, scan-deployed, sandbox.

Sub-commands import what they need lazily so ``gltui --help`` stays fast and
``gltui sandbox`` never loads Textual. Errors end as one line on stderr and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from gltui.cli.common import EXIT_ERROR, EXIT_USAGE, request_log
from gltui.cli.parser import build_parser
from gltui.cli.run import (
    run_config,
    run_create,
    run_dashboard,
    run_demo,
    run_exporter,
    run_identify,
    run_report,
    run_revoke,
    run_sandbox,
    run_scan_deployed,
    run_scan_local,
)

__all__ = ["build_parser", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    words = list(sys.argv[1:] if argv is None else argv)
    if "identify" in words and _token_on_argv(words):
        return EXIT_USAGE  # before argparse, whose errors would echo the argument
    parser = build_parser()
    args = parser.parse_args(words)
    args.request_log = request_log(args.log)
    if args.log and args.request_log is None:
        return EXIT_USAGE
    if args.command == "sandbox":
        return run_sandbox(args)
    if args.command == "demo":
        return run_demo(args.readonly or args.demo_readonly, args.request_log)
    if args.command == "report":
        try:
            return run_report(args)
        except KeyboardInterrupt:
            return EXIT_ERROR
    if args.command == "config":
        return run_config(args)
    if args.command == "exporter":
        return run_exporter(args)
    if args.command == "identify":
        try:
            return run_identify(args)
        except KeyboardInterrupt:
            return EXIT_ERROR
    if args.command == "scan-deployed":
        try:
            return run_scan_deployed(args)
        except KeyboardInterrupt:
            return EXIT_ERROR
    if args.command == "scan-local":
        try:
            return run_scan_local(args)
        except KeyboardInterrupt:
            return EXIT_ERROR
    if args.command in ("revoke", "create"):
        try:
            return run_revoke(args) if args.command == "revoke" else run_create(args)
        except KeyboardInterrupt:
            return EXIT_ERROR
    if args.command in ("rotate", "replace"):
        from gltui.cli.handoff import run_handoff_command

        try:
            return run_handoff_command(args)
        except KeyboardInterrupt:
            return EXIT_ERROR
    return run_dashboard(args)


def _token_on_argv(words: Sequence[str]) -> bool:
    """Refuse a token value on the command line: the shell's history, ``ps`` and the
    process table would all keep it. Says why, never the value."""
    from gltui.domain.redact import looks_like_token

    for position, word in enumerate(words, start=1):
        if looks_like_token(word):
            print(
                f"gltui identify: argument {position} looks like a token; it was not used. "
                "Token values are read from stdin only (the command line is kept in shell "
                "history and visible to other users): printf '%s\\n' \"$VALUE\" | gltui identify, "
                "or run gltui identify and paste it. Treat that value as leaked now.",
                file=sys.stderr,
            )
            return True
    return False

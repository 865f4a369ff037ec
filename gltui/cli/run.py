"""One runner per sub-command: each imports what it needs when it runs."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from gltui.domain.tokens import TokenKind

if TYPE_CHECKING:
    from gltui.adapters.log import RequestLog
    from gltui.domain.audit import AuditRules
    from gltui.inventory.engine import InventoryEngine
    from gltui.report.filters import ReportFilter

from gltui.cli.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    config_path,
    configured_engine,
    confirming_stream,
    leave,
    load,
    named_token_spec,
    reload_engine,
    writable_spec,
)


def run_sandbox(args: argparse.Namespace) -> int:
    from gltui.sandbox.profiles import ProfileError
    from gltui.sandbox.seed import parse_scale
    from gltui.sandbox.server import RunningSandbox, SandboxOptions

    try:
        options = SandboxOptions(
            port=args.port,
            seed=args.seed,
            scale=parse_scale(args.scale),
            latency_ms=args.latency_ms,
            rate_limit=args.rate_limit,
            rate_period=max(1, args.rate_period),
            fail_rate=args.fail_rate,
            token_limit=max(0, args.token_limit),
            version=args.gitlab_version,
            verbose=args.verbose,
        )
        sandbox = RunningSandbox(options)
    except (ProfileError, ValueError) as error:
        print(f"gltui sandbox: {error}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as error:
        print(
            f"gltui sandbox: cannot listen on port {args.port}: {error.strerror}", file=sys.stderr
        )
        return EXIT_ERROR

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    # Explicit handlers: a process started in the background may inherit SIGINT ignored
    # or defaulted, and Ctrl+C / SIGTERM must always end in a clean exit 0.
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    # the line is printed inside the suppress: a Ctrl+C that lands right after it (a
    # client reads the line, then interrupts) must not escape as KeyboardInterrupt
    with contextlib.suppress(KeyboardInterrupt):
        print(sandbox.app.contract_line(sandbox.url), flush=True)
        sandbox.serve_forever()
    return EXIT_OK


def run_demo(readonly: bool = False, request_log: RequestLog | None = None) -> int:
    from gltui.demo import run_demo

    try:
        code = run_demo(readonly=readonly, request_log=request_log)
    except KeyboardInterrupt:
        code = EXIT_OK
    return leave(code)


def run_import(args: argparse.Namespace) -> int:
    from gltui.config.model import ConfigError
    from gltui.config.python_gitlab import candidate_paths, read_instances
    from gltui.config.save import add_instances
    from gltui.domain.display import printable, printable_said

    sources = [Path(args.source)] if args.source else candidate_paths(os.environ, Path.home())
    found = [path for path in sources if path.is_file()]
    if not found:
        where = ", ".join(str(path) for path in sources)
        print(
            f"gltui config import: no python-gitlab configuration found ({where})", file=sys.stderr
        )
        return EXIT_ERROR
    target = config_path(args.config, os.environ)
    tables, notes = [], []
    for path in found:
        more, said = read_instances(path)
        tables += more
        notes += said
    try:
        added = add_instances(target, tables, on_skip=notes.append)
    except ConfigError as error:
        print(f"gltui config import: {printable_said(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    for note in notes:  # notes and names quote python-gitlab's file: printed escaped
        print(f"note: {printable_said(note)}")
    print(f"added to {target}: {printable(', '.join(added)) if added else 'nothing new'}")
    return EXIT_OK


def run_config(args: argparse.Namespace) -> int:
    if args.config_command == "path":
        print(config_path(args.config, os.environ))
        return EXIT_OK
    if args.config_command == "import":
        return run_import(args)
    from datetime import UTC, datetime

    from gltui.wiring.check import run_check

    config = load(args, "gltui config check")
    if config is None:
        return EXIT_USAGE
    return run_check(config, datetime.now(UTC), sys.stdout, args.request_log)


def first_run(args: argparse.Namespace) -> int | None:
    """No instance yet and a person at a terminal: the welcome screen. Returns an exit
    code when the user is done, ``None`` when an instance was added."""
    config = load(args, "gltui")
    if config is None:
        return EXIT_USAGE
    if config.instances or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    from gltui.clock import utc_now
    from gltui.tui.screens.welcome import FirstRunApp

    choice = FirstRunApp(config.path, utc_now).run()
    if choice == "demo":
        return run_demo(args.readonly, args.request_log)
    if choice == "added":
        return None
    return EXIT_OK


def run_dashboard(args: argparse.Namespace) -> int:
    finished = first_run(args)
    if finished is not None:
        return finished
    found = configured_engine(args, "gltui", "or try the dashboard on sandboxes with `gltui demo`")
    if found is None:
        return EXIT_USAGE
    engine, config = found
    from gltui.tui.app import GltuiApp  # Textual loads only for the UI

    settings = config.settings
    with contextlib.suppress(KeyboardInterrupt):
        GltuiApp(
            engine,
            window=settings.expiring_window_days,
            preload=True,
            theme=settings.theme,
            keymap=dict(settings.keys),
            config_path=config.path,
            reconfigure=lambda: reload_engine(args),
            rules=config.audit_rules,
            readonly=args.readonly,
            request_log=args.request_log,
        ).run()
    return leave(EXIT_OK)


def selection(args: argparse.Namespace, rules: AuditRules) -> ReportFilter:
    from gltui.domain.audit import Flag
    from gltui.domain.states import TokenState
    from gltui.report.filters import ReportFilter

    return ReportFilter(
        states=frozenset(TokenState(state) for state in args.state or ()),
        expiring_within=args.expiring_within,
        instances=frozenset(args.instance or ()),
        kinds=frozenset(TokenKind(kind) for kind in args.kind or ()),
        flags=frozenset(Flag(flag) for flag in args.flag or ()),
        rules=rules,
    )


def run_report(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from gltui.demo import demo_engine
    from gltui.domain.audit import DEFAULT_RULES
    from gltui.domain.states import DEFAULT_EXPIRING_WINDOW_DAYS
    from gltui.report.command import run_report

    now = datetime.now(UTC)

    def report(
        engine: InventoryEngine,
        window: int = DEFAULT_EXPIRING_WINDOW_DAYS,
        rules: AuditRules = DEFAULT_RULES,
    ) -> int:
        return run_report(
            engine,
            now=now,
            window=window,
            selection=selection(args, rules),
            fail_on=tuple(args.fail_on or ()),
            rules=rules,
            since_last_review=args.since_last_review,
            output_format=args.format,
            offline=args.offline,
            out=sys.stdout,
            err=sys.stderr,
        )

    if args.demo:
        if args.offline:
            print("gltui report: --demo has no snapshots to read offline", file=sys.stderr)
            return EXIT_USAGE
        with demo_engine(args.request_log) as engine:
            return report(engine)
    found = configured_engine(args, "gltui report", "or try --demo")
    if found is None:
        return EXIT_USAGE
    engine, config = found
    return report(engine, config.settings.expiring_window_days, config.audit_rules)


def run_exporter(args: argparse.Namespace) -> int:
    """``gltui exporter``: bind, say where on stdout, refresh and serve until SIGTERM."""
    import json

    from gltui.clock import utc_now
    from gltui.report.exporter import Exporter
    from gltui.report.serve import ExporterServer

    found = configured_engine(args, "gltui exporter", "then start the exporter again")
    if found is None:
        return EXIT_USAGE
    engine, config = found
    exporter = Exporter(
        engine,
        interval=args.interval,
        window=config.settings.expiring_window_days,
        clock=utc_now,
        log=sys.stderr,
    )
    host, port = args.listen
    try:
        server = ExporterServer((host, port), exporter)
    except OSError as error:
        print(f"gltui exporter: cannot listen on {host}:{port}: {error.strerror}", file=sys.stderr)
        return EXIT_ERROR

    def stop(_signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, stop)  # as for the sandbox: always a clean exit 0
    signal.signal(signal.SIGTERM, stop)
    with contextlib.suppress(KeyboardInterrupt):
        print(json.dumps({"url": server.url, "interval_seconds": args.interval}), flush=True)
        exporter.start()
        server.serve_forever(poll_interval=0.2)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second signal must not interrupt this
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    exporter.stop()
    server.server_close()
    print("gltui exporter: stopped", file=sys.stderr)
    return leave(EXIT_OK)  # a refresh stuck on a slow instance must not delay the exit


def run_revoke(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from gltui.actions.command import run_revoke

    found = named_token_spec(args, "gltui revoke", "the tokens")
    if found is None:
        return EXIT_USAGE
    return run_revoke(
        found[0],
        now=datetime.now(UTC),
        ids=args.id,
        names=args.name,
        kind=TokenKind(args.kind) if args.kind else None,
        yes=args.yes,
        including_own=args.including_own,
        as_json=args.json,
        out=sys.stdout,
        err=sys.stderr,
        ask=confirming_stream(),
    )


def run_create(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from gltui.actions.command import run_create

    found = writable_spec(args, "gltui create")
    if found is None:
        return EXIT_USAGE
    spec, config = found
    templates = {template.id: template for template in config.audit_rules.templates}
    template = templates.get(args.template)
    if template is None:
        from gltui.domain.display import printable

        known = printable(", ".join(sorted(templates)))
        print(f"gltui create: no template {args.template!r}; known: {known}", file=sys.stderr)
        return EXIT_USAGE
    return run_create(
        spec,
        template,
        today=datetime.now(UTC).date(),
        kind=TokenKind(args.kind) if args.kind else None,
        project=args.project,
        group=args.group,
        name=args.name,
        expires_at=args.expires,
        role=args.role,
        as_json=args.json,
        out=sys.stdout,
        err=sys.stderr,
        fine_grained=args.fine_grained,
        account=args.account,
    )


def run_scan_local(args: argparse.Namespace) -> int:
    from gltui.cli.scan_local import scan_local_command

    return scan_local_command(args)


def run_scan_deployed(args: argparse.Namespace) -> int:
    from gltui.cli.scan_deployed import scan_deployed_command

    return scan_deployed_command(args)


def run_identify(args: argparse.Namespace) -> int:
    from gltui.cli.identify import identify_command

    return identify_command(args)

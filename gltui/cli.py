"""The ``gltui`` command: dashboard (default), demo, report, revoke, create, config, sandbox.

Sub-commands import what they need lazily so ``gltui --help`` stays fast and
``gltui sandbox`` never loads Textual. Errors end as one line on stderr and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, NoReturn

from gltui import __version__
from gltui.domain.tokens import TokenKind

if TYPE_CHECKING:
    from gltui.adapters.log import RequestLog
    from gltui.config.model import Config
    from gltui.domain.audit import AuditRules
    from gltui.inventory.engine import InventoryEngine
    from gltui.inventory.spec import InstanceSpec
    from gltui.report.filters import ReportFilter

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def _non_negative(kind: type[int] | type[float]) -> argparse._ActionType:
    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < 0:
            raise argparse.ArgumentTypeError("must not be negative")
        return value

    return convert


def _days(text: str) -> int:
    value = text.strip().removesuffix("d")
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days, e.g. 14d")
    return int(value)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every sub-command."""
    parser = argparse.ArgumentParser(
        prog="gltui",
        description="Every GitLab access token you own or administer, across instances.",
    )
    parser.add_argument("--version", action="version", version=f"gltui {__version__}")
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="the configuration file (default: $GLTUI_CONFIG, else gltui/config.toml in your "
        "config directory)",
    )
    parser.add_argument(
        "--readonly",
        action="store_true",
        help="offer no action that changes anything on GitLab (no revoke, rotate or create)",
    )
    parser.add_argument(
        "--log",
        metavar="FILE",
        help="append one JSON line per HTTP request to FILE (method, path without query, "
        "status, time, retries, refusals; never a header or a body)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    config = commands.add_parser("config", help="where the configuration is, and whether it works")
    config_commands = config.add_subparsers(dest="config_command", metavar="ACTION", required=True)
    config_commands.add_parser("path", help="print the configuration file's path")
    config_commands.add_parser(
        "check",
        help="validate the file, then sign in to every instance and check the token gltui uses",
    )
    importing = config_commands.add_parser(
        "import", help="add the instances of python-gitlab's configuration file"
    )
    importing.add_argument(
        "--from",
        dest="source",
        metavar="PATH",
        help="a python-gitlab config file (default: the places python-gitlab reads)",
    )
    demo = commands.add_parser(
        "demo",
        help="the dashboard on two embedded sandbox instances (touches no real files)",
        description="Start two sandbox GitLab instances and open the dashboard on them.",
    )
    demo.add_argument(
        "--readonly", dest="demo_readonly", action="store_true", help="offer no mutating action"
    )
    report = commands.add_parser(
        "report",
        help="print every token of every instance (table, JSON, Markdown, CSV, OpenMetrics)",
        description=(
            "Refresh every instance and print its tokens. Instances come from the configuration "
            "file (and GITLAB_URL/GITLAB_TOKEN), or --demo for the sandboxes. "
            "Exit codes: 0 nothing to report, 1 an instance failed, 2 bad usage, 3 a token "
            "matched --fail-on."
        ),
    )
    report.add_argument(
        "--format", choices=("table", "json", "markdown", "csv", "openmetrics"), default="table"
    )
    report.add_argument(
        "--state",
        action="append",
        choices=("active", "expiring", "revoked", "expired"),
        help="only tokens in this state (repeatable; active includes expiring)",
    )
    report.add_argument(
        "--expiring-within",
        type=_days,
        metavar="DAYS",
        help="only working tokens expiring within this many days (e.g. 14 or 14d)",
    )
    report.add_argument("--instance", action="append", metavar="NAME", help="repeatable")
    report.add_argument(
        "--kind", action="append", choices=[kind.value for kind in TokenKind], help="repeatable"
    )
    report.add_argument(
        "--flag",
        action="append",
        choices=("broad-scope", "never-used", "stale", "long-lived", "drift"),
        help="only tokens with this audit flag (repeatable)",
    )
    report.add_argument(
        "--fail-on",
        action="append",
        choices=("expiring", "expired", "risk"),
        help="exit 3 when a token is expiring, expired, or active with write/admin scopes",
    )
    report.add_argument(
        "--since-last-review",
        action="store_true",
        help="only tokens that changed since the last review sign-off (or a week of history), "
        "and the ones GitLab stopped listing",
    )
    report.add_argument(
        "--offline", action="store_true", help="print the last snapshots; no network call"
    )
    report.add_argument("--demo", action="store_true", help="report on the demo sandboxes")
    _add_action_parsers(commands)
    sandbox = commands.add_parser(
        "sandbox",
        help="serve a GitLab-compatible token API on 127.0.0.1",
        description=(
            "Serve GitLab's token REST API on 127.0.0.1 until interrupted. The first line "
            "on stdout is JSON: the URL, the version and one token per persona."
        ),
    )
    sandbox.add_argument("--port", type=_non_negative(int), default=0, help="0 picks a free port")
    sandbox.add_argument("--seed", type=int, default=1, help="same seed, same data (default 1)")
    sandbox.add_argument(
        "--scale", default="small", help="small, large, or a number of generated projects"
    )
    sandbox.add_argument(
        "--latency-ms", type=_non_negative(float), default=0.0, help="delay before every answer"
    )
    sandbox.add_argument(
        "--rate-limit",
        type=_non_negative(int),
        default=0,
        help="requests per client per --rate-period seconds before 429 (0: off)",
    )
    sandbox.add_argument("--rate-period", type=_non_negative(int), default=1, metavar="SECONDS")
    sandbox.add_argument(
        "--fail-rate", type=_fraction, default=0.0, help="fraction of answers that are 5xx"
    )
    sandbox.add_argument(
        "--token-limit",
        type=int,
        default=0,
        metavar="N",
        help="active access tokens a project or group may hold (0: no limit)",
    )
    sandbox.add_argument(
        "--version",
        dest="gitlab_version",
        default="current",
        metavar="X.Y.Z",
        help="GitLab version to emulate, or a profile: current, 16, 15 (default current)",
    )
    sandbox.add_argument("--verbose", action="store_true", help="log requests (no query strings)")
    return parser


def _run_sandbox(args: argparse.Namespace) -> int:
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


def _leave(code: int) -> NoReturn:
    """Exit now, without joining threads still waiting on a slow GitLab.

    The dashboard has already restored the terminal and every file gltui writes is
    replaced atomically, so nothing is lost; a refresh stuck on an unreachable
    instance (up to timeout x retries) must not keep ``q`` from quitting.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _run_demo(readonly: bool = False, request_log: RequestLog | None = None) -> int:
    from gltui.demo import run_demo

    try:
        code = run_demo(readonly=readonly, request_log=request_log)
    except KeyboardInterrupt:
        code = EXIT_OK
    _leave(code)


def _load(args: argparse.Namespace, command: str) -> Config | None:
    """The configuration (file plus GITLAB_URL/GITLAB_TOKEN), or ``None`` after one line."""
    from gltui.config.load import load_config
    from gltui.config.model import ConfigError
    from gltui.domain.display import printable_said

    try:
        config = load_config(config_path(args.config, os.environ), os.environ)
    except ConfigError as error:  # it may quote the file (or a token command's output)
        print(f"{command}: {printable_said(str(error))}", file=sys.stderr)
        return None
    for warning in config.warnings:
        print(f"{command}: warning: {printable_said(warning)}", file=sys.stderr)
    return config


def config_path(override: str | None, environ: Mapping[str, str]) -> Path:
    """Where the configuration file is (see :func:`gltui.config.load.config_path`)."""
    from gltui.config.load import config_path as locate

    return locate(override, environ)


def _configured_engine(
    args: argparse.Namespace, command: str, hint: str
) -> tuple[InventoryEngine, Config] | None:
    """An engine for every configured instance, with the user's cache and history, and the
    configuration; ``None`` after saying on stderr what is wrong or missing."""
    config = _load(args, command)
    if config is None:
        return None
    if not config.instances:
        print(
            f"{command}: no instance configured yet. Add one to {config.path} or set "
            f"GITLAB_URL and GITLAB_TOKEN, {hint}.",
            file=sys.stderr,
        )
        return None
    return _engine_for(config, args.request_log), config


def _engine_for(config: Config, request_log: RequestLog | None = None) -> InventoryEngine:
    """An engine over the configured instances, with the user's cache and history."""
    from gltui.inventory.cache import History, SnapshotCache
    from gltui.inventory.engine import InventoryEngine
    from gltui.inventory.reviews import ReviewLog
    from gltui.paths import cache_dir, data_dir
    from gltui.wiring.specs import instance_specs

    specs = instance_specs(config)
    return InventoryEngine(
        specs,
        cache=SnapshotCache(cache_dir()),
        history=History(data_dir()),
        reviews=ReviewLog(data_dir()),
        request_log=request_log,
    )


def _run_import(args: argparse.Namespace) -> int:
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
        added = add_instances(target, tables)
    except ConfigError as error:
        print(f"gltui config import: {printable_said(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    for note in notes:  # notes and names quote python-gitlab's file: printed escaped
        print(f"note: {printable_said(note)}")
    print(f"added to {target}: {printable(', '.join(added)) if added else 'nothing new'}")
    return EXIT_OK


def _run_config(args: argparse.Namespace) -> int:
    if args.config_command == "path":
        print(config_path(args.config, os.environ))
        return EXIT_OK
    if args.config_command == "import":
        return _run_import(args)
    from datetime import UTC, datetime

    from gltui.wiring.check import run_check

    config = _load(args, "gltui config check")
    if config is None:
        return EXIT_USAGE
    return run_check(config, datetime.now(UTC), sys.stdout, args.request_log)


def _first_run(args: argparse.Namespace) -> int | None:
    """No instance yet and a person at a terminal: the welcome screen. Returns an exit
    code when the user is done, ``None`` when an instance was added."""
    config = _load(args, "gltui")
    if config is None:
        return EXIT_USAGE
    if config.instances or not (sys.stdin.isatty() and sys.stdout.isatty()):
        return None
    from gltui.tui.app import utc_now
    from gltui.tui.screens.welcome import FirstRunApp

    choice = FirstRunApp(config.path, utc_now).run()
    if choice == "demo":
        return _run_demo(args.readonly, args.request_log)
    if choice == "added":
        return None
    return EXIT_OK


def _run_dashboard(args: argparse.Namespace) -> int:
    finished = _first_run(args)
    if finished is not None:
        return finished
    found = _configured_engine(args, "gltui", "or try the dashboard on sandboxes with `gltui demo`")
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
            reconfigure=lambda: _reload_engine(args),
            rules=config.audit_rules,
            readonly=args.readonly,
            request_log=args.request_log,
        ).run()
    _leave(EXIT_OK)


def _reload_engine(args: argparse.Namespace) -> InventoryEngine:
    """A new engine after the instances screen edited the file (raises on a bad file)."""
    from gltui.config.load import load_config

    config = load_config(config_path(args.config, os.environ), os.environ)
    return _engine_for(config, args.request_log)


def _selection(args: argparse.Namespace, rules: AuditRules) -> ReportFilter:
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


def _run_report(args: argparse.Namespace) -> int:
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
            selection=_selection(args, rules),
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
    found = _configured_engine(args, "gltui report", "or try --demo")
    if found is None:
        return EXIT_USAGE
    engine, config = found
    return report(engine, config.settings.expiring_window_days, config.audit_rules)


def _add_action_parsers(commands: Any) -> None:
    """``gltui revoke`` and ``gltui create``."""
    revoke = commands.add_parser(
        "revoke",
        help="revoke tokens by id or name (asks for the word 'revoke' unless --yes)",
        description="Revoke tokens on one instance. Exit codes: 0 done, 1 refused or failed, "
        "2 bad usage or not confirmed.",
    )
    revoke.add_argument("--instance", metavar="NAME", help="needed when several are configured")
    revoke.add_argument("--id", type=int, action="append", default=[], help="repeatable")
    revoke.add_argument("--name", action="append", default=[], help="exact name; repeatable")
    revoke.add_argument("--kind", choices=[kind.value for kind in TokenKind])
    revoke.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    revoke.add_argument(
        "--including-own", action="store_true", help="allow revoking the token gltui uses"
    )
    revoke.add_argument("--json", action="store_true", help="results as JSON on stdout")
    create = commands.add_parser(
        "create",
        help="create a token from a template; prints its value once, on stdout",
        description="Create a token from a template. Exit codes: 0 created (the value is on "
        "stdout), 1 refused or failed, 2 bad usage, 3 finish in GitLab's web form (its "
        "prefilled address is on stdout: only administrators can create personal tokens "
        "through the API).",
    )
    create.add_argument("--template", required=True, metavar="ID")
    create.add_argument("--instance", metavar="NAME", help="needed when several are configured")
    create.add_argument("--kind", choices=("personal", "project", "group", "deploy"))
    target = create.add_mutually_exclusive_group()
    target.add_argument("--project", metavar="PATH", help="e.g. acme/website")
    target.add_argument("--group", metavar="PATH", help="e.g. acme")
    create.add_argument("--name", help="default: the template's id")
    create.add_argument("--expires", type=_iso_day, metavar="YYYY-MM-DD")
    create.add_argument("--role", help="project/group tokens: guest, reporter, developer, ...")
    create.add_argument("--json", action="store_true", help="the token and its value as JSON")


def _iso_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-01-31") from None


def _writable_spec(args: argparse.Namespace, command: str) -> tuple[InstanceSpec, Config] | None:
    """The one instance an action targets, refusing read-only ones (after saying why)."""
    from gltui.domain.display import printable, printable_said
    from gltui.wiring.specs import instance_spec

    config = _load(args, command)
    if config is None:
        return None
    names = [instance.name for instance in config.instances]
    chosen = args.instance or (names[0] if len(names) == 1 else None)
    match = [instance for instance in config.instances if instance.name == chosen]
    if not match:
        listed = printable(", ".join(names)) or "none configured"
        print(f"{command}: choose an instance with --instance ({listed})", file=sys.stderr)
        return None
    if args.readonly or match[0].readonly:
        print(f"{command}: {printable(str(chosen))} is read-only; nothing changed", file=sys.stderr)
        return None
    spec = replace(instance_spec(match[0]), request_log=args.request_log)
    if spec.token_problem:  # may quote a token command's output
        print(f"{command}: {printable_said(spec.token_problem)}", file=sys.stderr)
        return None
    return spec, config


def _run_revoke(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from gltui.actions.command import run_revoke

    found = _writable_spec(args, "gltui revoke")
    if found is None:
        return EXIT_USAGE
    if not args.id and not args.name:
        print("gltui revoke: name the tokens with --id or --name", file=sys.stderr)
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
        ask=sys.stdin if sys.stdin.isatty() and sys.stderr.isatty() else None,
    )


def _run_create(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from gltui.actions.command import run_create

    found = _writable_spec(args, "gltui create")
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
    )


def _request_log(path: str | None) -> RequestLog | None:
    """The process's API log: in memory (the dashboard's ``@``), and appended to ``path``
    with ``--log``; ``None`` after one line on stderr when ``path`` cannot be opened."""
    from gltui.adapters.log import RequestLog, open_log_file

    if not path:
        return RequestLog()
    try:
        return RequestLog(file=open_log_file(Path(path).expanduser()))
    except OSError as error:
        from gltui.domain.display import printable

        reason = printable(error.strerror or type(error).__name__)
        print(f"gltui: cannot write the log {printable(path)}: {reason}", file=sys.stderr)
        return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.request_log = _request_log(args.log)
    if args.log and args.request_log is None:
        return EXIT_USAGE
    if args.command == "sandbox":
        return _run_sandbox(args)
    if args.command == "demo":
        return _run_demo(args.readonly or args.demo_readonly, args.request_log)
    if args.command == "report":
        try:
            return _run_report(args)
        except KeyboardInterrupt:
            return EXIT_ERROR
    if args.command == "config":
        return _run_config(args)
    if args.command in ("revoke", "create"):
        try:
            return _run_revoke(args) if args.command == "revoke" else _run_create(args)
        except KeyboardInterrupt:
            return EXIT_ERROR
    return _run_dashboard(args)

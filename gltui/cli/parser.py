"""The ``gltui`` argument parser: every sub-command, its options and their types."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from gltui import __version__
from gltui.actions.form import CREATABLE_KINDS
from gltui.cli.common import iso_day
from gltui.cli.handoff import add_handoff_parsers
from gltui.domain.audit import Flag
from gltui.domain.states import TokenState
from gltui.domain.tokens import TokenKind
from gltui.report.filters import FAIL_CONDITIONS

if TYPE_CHECKING:
    pass


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("must be between 0 and 1")
    return value


def non_negative(kind: type[int] | type[float]) -> argparse._ActionType:
    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < 0:
            raise argparse.ArgumentTypeError("must not be negative")
        return value

    return convert


def days(text: str) -> int:
    value = text.strip().removesuffix("d")
    if not value.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of days, e.g. 14d")
    return int(value)


def duration(text: str) -> float:
    """Seconds, or a number with s, m or h: ``600``, ``10m``, ``1h``."""
    value, factor = text.strip().lower(), 1.0
    for suffix, seconds in (("s", 1.0), ("m", 60.0), ("h", 3600.0)):
        if value.endswith(suffix):
            value, factor = value[: -len(suffix)], seconds
            break
    try:
        seconds = float(value) * factor
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 10m or 1h") from None
    if not 0 < seconds < 366 * 86400:
        raise argparse.ArgumentTypeError("must be more than 0 and less than a year")
    return seconds


def listen_address(text: str) -> tuple[str, int]:
    from gltui.report.serve import parse_listen

    try:
        return parse_listen(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


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
        help="print every token of every instance (table, JSON, Markdown, CSV, OpenMetrics, ics)",
        description=(
            "Refresh every instance and print its tokens. Instances come from the configuration "
            "file (and GITLAB_URL/GITLAB_TOKEN), or --demo for the sandboxes. "
            "Exit codes: 0 nothing to report, 1 an instance failed, 2 bad usage, 3 a token "
            "matched --fail-on."
        ),
    )
    report.add_argument(
        "--format",
        choices=("table", "json", "markdown", "csv", "openmetrics", "ics"),
        default="table",
        help="ics: an expiry calendar (RFC 5545), one all-day event per working token",
    )
    report.add_argument(
        "--state",
        action="append",
        choices=[state.value for state in TokenState],
        help="only tokens in this state (repeatable; active includes expiring)",
    )
    report.add_argument(
        "--expiring-within",
        type=days,
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
        choices=[flag.value for flag in Flag],
        help="only tokens with this audit flag (repeatable)",
    )
    report.add_argument(
        "--fail-on",
        action="append",
        choices=FAIL_CONDITIONS,
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
    add_action_parsers(commands)
    add_handoff_parsers(commands)
    add_exporter_parser(commands)
    sandbox = commands.add_parser(
        "sandbox",
        help="serve a GitLab-compatible token API on 127.0.0.1",
        description=(
            "Serve GitLab's token REST API on 127.0.0.1 until interrupted. The first line "
            "on stdout is JSON: the URL, the version and one token per persona."
        ),
    )
    sandbox.add_argument("--port", type=non_negative(int), default=0, help="0 picks a free port")
    sandbox.add_argument("--seed", type=int, default=1, help="same seed, same data (default 1)")
    sandbox.add_argument(
        "--scale", default="small", help="small, large, or a number of generated projects"
    )
    sandbox.add_argument(
        "--latency-ms", type=non_negative(float), default=0.0, help="delay before every answer"
    )
    sandbox.add_argument(
        "--rate-limit",
        type=non_negative(int),
        default=0,
        help="requests per client per --rate-period seconds before 429 (0: off)",
    )
    sandbox.add_argument("--rate-period", type=non_negative(int), default=1, metavar="SECONDS")
    sandbox.add_argument(
        "--fail-rate", type=fraction, default=0.0, help="fraction of answers that are 5xx"
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
        help="GitLab version to emulate, or a profile: current (19.6), 18, 16, 15",
    )
    sandbox.add_argument("--verbose", action="store_true", help="log requests (no query strings)")
    return parser


def add_exporter_parser(commands: Any) -> None:
    """``gltui exporter``."""
    exporter = commands.add_parser(
        "exporter",
        help="serve Prometheus metrics and an expiry calendar, refreshing in the background",
        description="Refresh every configured instance every --interval and serve the "
        "result: /metrics (Prometheus), /calendar.ics (subscribe from a calendar), /healthz. "
        "Read-only: it never revokes, rotates or creates. The first line on stdout is JSON "
        "with the URL; one line per refresh goes to stderr. SIGTERM or Ctrl+C stops it.",
    )
    exporter.add_argument(
        "--listen",
        type=listen_address,
        default="127.0.0.1:9841",
        metavar="HOST:PORT",
        help="where to listen (default 127.0.0.1:9841; port 0 picks a free one)",
    )
    exporter.add_argument(
        "--interval",
        type=duration,
        default=600.0,
        metavar="DURATION",
        help="time between refreshes: seconds, or 10m, 1h (default 10m)",
    )


def add_action_parsers(commands: Any) -> None:
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
    identify = commands.add_parser(
        "identify",
        help="whose is a leaked token? reads its value from stdin (never from arguments)",
        description="Identify a token by its value, read from stdin (one line; not echoed "
        "at a terminal), on the configured instances its shape allows; with --revoke, revoke "
        "it by value. Exit codes: 0 identified (and revoked, with --revoke), 1 not found or "
        "failed, 2 bad usage (a token on the command line, no value, not confirmed).",
    )
    identify.add_argument("--instance", metavar="NAME", help="ask this instance only")
    identify.add_argument(
        "--revoke", action="store_true", help="revoke it by value (asks for the word 'revoke')"
    )
    identify.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    identify.add_argument(
        "--including-own",
        action="store_true",
        help="with --yes: allow revoking the token gltui itself uses there",
    )
    identify.add_argument("--json", action="store_true", help="the answer as JSON on stdout")
    scan_local = commands.add_parser(
        "scan-local",
        help="where GitLab tokens are stored on this machine (values never shown)",
        description="Read glab's config, python-gitlab's config files, ~/.git-credentials, "
        "~/.netrc, the environment and gltui's own config, and list each GitLab token found: "
        "its place, host and shape, never its value. Nothing is sent anywhere unless "
        "--identify is given. Exit codes: 0 the scan ran, 2 bad usage.",
    )
    scan_local.add_argument(
        "--identify",
        action="store_true",
        help="ask the configured instances which token each one is (with your consent: "
        "asking a token about itself updates its last-used time on GitLab)",
    )
    scan_local.add_argument("--json", action="store_true", help="the rows as JSON on stdout")
    scan_deployed = commands.add_parser(
        "scan-deployed",
        help="which CI/CD variables of your projects and groups hold which GitLab tokens",
        description="List the CI/CD variables of the projects you maintain and the groups you "
        "own, and identify each GitLab token a value holds by asking GitLab with it (GET "
        "/personal_access_tokens/self: this updates that token's last-used time). Values are "
        "never shown or stored; the variables found holding a token are remembered so the "
        "dashboard says where each token is deployed. Exit codes: 0 the scan ran, 1 an "
        "instance could not be scanned, 2 bad usage.",
    )
    scan_deployed.add_argument(
        "--instance", action="append", metavar="NAME", help="scan only this one (repeatable)"
    )
    scan_deployed.add_argument("--json", action="store_true", help="the findings as JSON")
    create = commands.add_parser(
        "create",
        help="create a token from a template; prints its value once, on stdout",
        description="Create a token from a template. Exit codes: 0 created (the value is on "
        "stdout), 1 refused or failed, 2 bad usage, 3 finish in GitLab's web form (its "
        "prefilled address is on stdout: before GitLab 19.2 only administrators can create "
        "personal tokens through the API; from 19.2 everyone creates fine-grained ones).",
    )
    create.add_argument("--template", required=True, metavar="ID")
    create.add_argument("--instance", metavar="NAME", help="needed when several are configured")
    create.add_argument("--kind", choices=[kind.value for kind in CREATABLE_KINDS])
    target = create.add_mutually_exclusive_group()
    target.add_argument("--project", metavar="PATH", help="e.g. acme/website")
    target.add_argument("--group", metavar="PATH", help="e.g. acme")
    create.add_argument(
        "--account",
        metavar="USERNAME|ID",
        help="--kind service_account: which service account of --project/--group",
    )
    create.add_argument("--name", help="default: the template's id")
    create.add_argument("--expires", type=iso_day, metavar="YYYY-MM-DD")
    create.add_argument("--role", help="project/group tokens: guest, reporter, developer, ...")
    variant = create.add_mutually_exclusive_group()
    variant.add_argument(
        "--fine-grained",
        dest="fine_grained",
        action="store_const",
        const=True,
        help="a fine-grained personal token (GitLab 19.2+; the default there when the "
        "template has one); --project/--group names the project or group it may reach",
    )
    variant.add_argument(
        "--legacy",
        dest="fine_grained",
        action="store_const",
        const=False,
        help="a personal token with the template's legacy scopes",
    )
    create.add_argument("--json", action="store_true", help="the token and its value as JSON")

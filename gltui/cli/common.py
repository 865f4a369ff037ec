"""What the sub-commands share: exit codes, loading the configuration, building the
engine, choosing the instance an action targets, the API log, leaving fast."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Mapping
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn, TextIO

if TYPE_CHECKING:
    from gltui.adapters.log import RequestLog
    from gltui.config.model import Config
    from gltui.inventory.engine import InventoryEngine
    from gltui.inventory.spec import InstanceSpec

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2


def leave(code: int) -> NoReturn:
    """Exit now, without joining threads still waiting on a slow GitLab.

    The dashboard has already restored the terminal and every file gltui writes is
    replaced atomically, so nothing is lost; a refresh stuck on an unreachable
    instance (up to timeout x retries) must not keep ``q`` from quitting.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def load(args: argparse.Namespace, command: str) -> Config | None:
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


def configured_engine(
    args: argparse.Namespace, command: str, hint: str
) -> tuple[InventoryEngine, Config] | None:
    """An engine for every configured instance, with the user's cache and history, and the
    configuration; ``None`` after saying on stderr what is wrong or missing."""
    config = load(args, command)
    if config is None:
        return None
    if not config.instances:
        print(
            f"{command}: no instance configured yet. Add one to {config.path} or set "
            f"GITLAB_URL and GITLAB_TOKEN, {hint}.",
            file=sys.stderr,
        )
        return None
    return engine_for(config, args.request_log), config


def engine_for(config: Config, request_log: RequestLog | None = None) -> InventoryEngine:
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


def reload_engine(args: argparse.Namespace) -> InventoryEngine:
    """A new engine after the instances screen edited the file (raises on a bad file)."""
    from gltui.config.load import load_config

    config = load_config(config_path(args.config, os.environ), os.environ)
    return engine_for(config, args.request_log)


def writable_spec(args: argparse.Namespace, command: str) -> tuple[InstanceSpec, Config] | None:
    """The one instance an action targets, refusing read-only ones (after saying why)."""
    from gltui.domain.display import printable, printable_said
    from gltui.wiring.specs import instance_spec

    config = load(args, command)
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


def named_token_spec(
    args: argparse.Namespace, command: str, what: str = "the token"
) -> tuple[InstanceSpec, Config] | None:
    """:func:`writable_spec` for a command that acts on tokens named by ``--id`` or
    ``--name`` (revoke, rotate, replace): it also refuses, after saying so, when neither
    is given."""
    found = writable_spec(args, command)
    if found is not None and not args.id and not args.name:
        print(f"{command}: name {what} with --id or --name", file=sys.stderr)
        return None
    return found


def chosen_specs(
    args: argparse.Namespace, command: str
) -> tuple[Config, list[InstanceSpec]] | None:
    """The configuration and its instances, each with the process's API log, narrowed to
    those ``--instance`` names (one name or a list; none given: all); ``None`` after the
    configuration said why it cannot be read. An empty list is the caller's to word."""
    from gltui.wiring.specs import instance_specs

    config = load(args, command)
    if config is None:
        return None
    specs = [replace(spec, request_log=args.request_log) for spec in instance_specs(config)]
    wanted = [args.instance] if isinstance(args.instance, str) else args.instance
    if wanted:
        specs = [spec for spec in specs if spec.name in wanted]
    return config, specs


def confirming_stream() -> TextIO | None:
    """Where a confirmation is typed: stdin while a person is at the terminal (stdin and
    stderr both one), else ``None`` (the command then needs ``--yes``)."""
    return sys.stdin if sys.stdin.isatty() and sys.stderr.isatty() else None


def request_log(path: str | None) -> RequestLog | None:
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


def iso_day(text: str) -> date:
    """An argparse type: a ``YYYY-MM-DD`` date, or a usage error that shows the form."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2027-01-31") from None

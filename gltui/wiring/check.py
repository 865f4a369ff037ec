"""``gltui config check``: is every instance reachable, and is its token fit for gltui?

A fine-grained token is shown with its boundaries and permissions, and the check names
the permissions it lacks for reading and, apart, for acting (the probe's notes).
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from typing import TextIO

from gltui.adapters.log import RequestLog
from gltui.config.model import Config
from gltui.domain.display import printable, printable_said
from gltui.domain.states import days_until_expiry
from gltui.domain.tokens import Token
from gltui.inventory.probe import Probe, probe_instance
from gltui.wiring.specs import instance_spec

EXIT_OK = 0
EXIT_PROBLEMS = 1


def describe(probe: Probe, now: datetime) -> list[str]:
    """The lines ``config check`` prints for one instance.

    Everything the server chose (the version, the username, the scopes, its messages)
    is printed escaped and scrubbed: a hostile instance must not drive the terminal.
    """
    secrets = (probe.spec.token.reveal(),)
    name, url = printable(probe.spec.name), printable(probe.spec.url)
    if probe.failure is not None:
        return [
            f"✗ {name} ({url}): {printable_said(probe.failure.message, secrets)}",
            f"    what to do: {printable_said(probe.failure.advice, secrets)}",
        ]
    who = probe.identity
    line = f"✓ {name} ({url})"
    if who is not None:
        role = " (admin)" if who.is_admin else ""
        version = printable_said(who.version, secrets) if who.version else "unknown"
        name = printable_said(who.username, secrets) or f"user #{who.user_id}"
        line += f": signed in as {name}{role}, GitLab {version}"
    lines = [line]
    token = probe.own_token
    if token is not None:
        left = days_until_expiry(token, now.date())
        expiry = "never expires" if left is None else f"expires {token.expires_at} (in {left} days)"
        scopes = printable_said(_holds(token), secrets) or "no scopes"
        lines.append(f"    token {printable_said(token.name, secrets)!r}: {scopes}; {expiry}")
    lines.extend(f"    problem: {printable_said(text, secrets)}" for text in probe.problems)
    lines.extend(f"    warning: {printable_said(text, secrets)}" for text in probe.warnings)
    return lines


def _holds(token: Token) -> str:
    """A legacy token's scopes, or a fine-grained one's boundaries and permissions."""
    if token.granular_scopes is None:
        return ", ".join(token.scopes)
    if not token.granular_scopes:
        return "fine-grained (GitLab did not list its permissions)"
    parts = []
    for scope in token.granular_scopes:
        reach = scope.access
        if scope.project_id is not None:
            reach += f" project {scope.project_id}"
        if scope.group_id is not None:
            reach += f" group {scope.group_id}"
        parts.append(f"{reach}: {', '.join(scope.permissions)}")
    return "fine-grained: " + "; ".join(parts)


def run_check(
    config: Config, now: datetime, out: TextIO, request_log: RequestLog | None = None
) -> int:
    """Probe every instance in parallel and print what was found; 1 if anything is wrong."""
    out.write(f"config: {config.path}{'' if config.path.exists() else ' (absent)'}\n")
    if not config.instances:
        out.write(
            "no instance configured: add [[instances]] to the file, or set GITLAB_URL "
            "and GITLAB_TOKEN\n"
        )
        return EXIT_PROBLEMS
    window = config.settings.expiring_window_days

    def one(index: int) -> Probe:
        instance = config.instances[index]
        spec = replace(instance_spec(instance), request_log=request_log)
        return probe_instance(spec, now, window, readonly=instance.readonly)

    with ThreadPoolExecutor(len(config.instances)) as pool:
        probes = list(pool.map(one, range(len(config.instances))))
    for probe in probes:
        out.write("\n".join(describe(probe, now)) + "\n")
    bad = any(probe.failure is not None or probe.problems for probe in probes)
    return EXIT_PROBLEMS if bad else EXIT_OK

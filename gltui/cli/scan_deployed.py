"""``gltui scan-deployed``: which CI/CD variables hold which of your GitLab tokens.

Running the command is the consent: it says on stderr, before the first request, that
each token found is identified by asking GitLab with it, which updates that token's
last-used time (:mod:`gltui.inventory.deployed`). The variables found holding a token
GitLab named are remembered in the data directory (``deployed.json``: places, never a
value), so the dashboard's details pane says where each token is stored and a rotation
can offer those variables as targets; rotation links GitLab showed are added to the
successions record. Exit codes: 0 the scan ran, 1 an instance could not be scanned,
2 bad usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, TextIO

from gltui.cli.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, chosen_specs
from gltui.domain.display import grouped, printable, printable_said

if TYPE_CHECKING:
    from gltui.inventory.deployed import InstanceScan

COMMAND = "gltui scan-deployed"


def scan_deployed_command(args: argparse.Namespace) -> int:
    from gltui.inventory.deployed import TOUCHES_LAST_USED, scan_all
    from gltui.inventory.deployed_store import DeployedStore
    from gltui.inventory.successions import SuccessionStore
    from gltui.paths import data_dir

    chosen = chosen_specs(args, COMMAND)
    if chosen is None:
        return EXIT_USAGE
    config, specs = chosen
    if not specs:
        names = printable(", ".join(i.name for i in config.instances)) or "none configured"
        print(f"{COMMAND}: no instance to scan ({names})", file=sys.stderr)
        return EXIT_USAGE
    print(f"{COMMAND}: {TOUCHES_LAST_USED}", file=sys.stderr)
    now = datetime.now(UTC)
    scans = scan_all(specs, now)
    directory = data_dir()
    store, links = DeployedStore(directory), SuccessionStore(directory)
    for scan in scans:
        if scan.ok:
            store.replace_instance(scan.instance, scan.scanned_at, scan.deployments())
        if scan.gitlab_links:
            links.record(scan.gitlab_links, now)
    for notice in store.file.notices.drain() + links.file.notices.drain():
        print(f"{COMMAND}: warning: {printable_said(notice)}", file=sys.stderr)
    if args.json:
        print(json.dumps({"instances": [_as_json(scan) for scan in scans]}, sort_keys=True))
    else:
        for scan in scans:
            _say(scan, sys.stdout)
    return EXIT_OK if all(scan.ok for scan in scans) else EXIT_ERROR


def _as_json(scan: InstanceScan) -> dict[str, Any]:
    return {
        "instance": scan.instance,
        "scanned_at": scan.scanned_at.isoformat(),
        "ok": scan.ok,
        "failure": None
        if scan.failure is None
        else {"kind": scan.failure.kind.value, "message": scan.failure.message},
        "projects": scan.projects,
        "groups": scan.groups,
        "not_yours": scan.not_yours,
        "variables": scan.variables,
        "lookups": scan.lookups,
        "problems": list(scan.problems),
        "findings": [
            {
                "finding": found.finding.value,
                "type": found.place.resource_type.value,
                "path": found.place.path,
                "resource_id": found.place.resource_id,
                "key": found.place.key,
                "environment_scope": found.place.environment_scope,
                "shape": found.shape,
                "token_key": found.token_key,
                "token_id": found.token_id,
                "token_name": found.token_name,
                "owner_id": found.owner_id,
                "detail": found.detail,
            }
            for found in scan.findings
        ],
    }


def _say(scan: InstanceScan, out: TextIO) -> None:
    name = printable(scan.instance)
    if scan.failure is not None:
        print(f"{name}: not scanned: {printable_said(scan.failure.message)}", file=out)
        print(f"  {scan.failure.advice}", file=out)
        return
    quiet = f", {grouped(scan.not_yours)} not yours to read" if scan.not_yours else ""
    print(
        f"{name}: {grouped(scan.projects)} projects you maintain, {grouped(scan.groups)} "
        f"groups you own{quiet}; {grouped(scan.variables)} variables read, "
        f"{grouped(scan.lookups)} values asked about",
        file=out,
    )
    for found in scan.findings:
        print(f"  {printable(found.describe())}", file=out)
    if not scan.findings:
        print("  no variable holds a GitLab token", file=out)
    for problem in scan.problems:
        print(f"  problem: {printable_said(problem)}", file=out)

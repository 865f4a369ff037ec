"""Refresh benchmark: gltui's inventory walk vs a naive python-gitlab loop vs the floor.

Run: ``.venv/bin/python bench/refresh.py [--scale large] [--latency-ms 50] [--concurrency 8]``

It starts ``gltui sandbox`` in its own process (so the server never competes with
the client for the GIL) with per-request latency L, then measures, in one run:

1. gltui's refresh as the maintainer persona (R requests at concurrency C);
2. the naive loop existing scripts and exporters use: list the projects and groups,
   then each one's tokens one request after another, through python-gitlab;
3. the floor ``R / C x L``, the least time R requests can take at concurrency C;

and prints the three times, gltui's ratio to the floor and the naive loop's ratio
to gltui, then the administrator's refresh and, in an untimed run, the peak
memory Python allocated for it (tracemalloc).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import gitlab

from gltui.domain.secret import Secret
from gltui.inventory.spec import DEFAULT_CONCURRENCY, InstanceSpec
from gltui.inventory.walk import walk_instance


def start_sandbox(scale: str, latency_ms: float) -> tuple[subprocess.Popen[str], dict[str, object]]:
    """``gltui sandbox`` in a child process; returns it with its JSON line."""
    gltui = Path(sys.executable).parent / "gltui"
    process = subprocess.Popen(
        [str(gltui), "sandbox", "--scale", scale, "--latency-ms", str(latency_ms)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, json.loads(process.stdout.readline())


def naive_loop(url: str, token: str) -> tuple[int, int]:
    """One request after another, as python-gitlab scripts do; returns (tokens, requests)."""
    gl = gitlab.Gitlab(url, private_token=token, per_page=100)
    requests = 0
    tokens = 0

    def count(rows: Sequence[object]) -> int:
        nonlocal requests
        requests += max(1, -(-len(rows) // 100))
        return len(rows)

    tokens += count(gl.personal_access_tokens.list(get_all=True))
    projects = gl.projects.list(min_access_level=40, get_all=True)
    count(projects)
    for project in projects:
        lazy = gl.projects.get(project.id, lazy=True)
        tokens += count(lazy.access_tokens.list(get_all=True))
        tokens += count(lazy.deploytokens.list(get_all=True))
    for group in gl.groups.list(min_access_level=50, get_all=True):
        tokens += count(gl.groups.get(group.id, lazy=True).access_tokens.list(get_all=True))
    maintained = gl.groups.list(min_access_level=40, get_all=True)
    requests += 2  # the two group listings
    for group in maintained:
        tokens += count(gl.groups.get(group.id, lazy=True).deploytokens.list(get_all=True))
    more_tokens, more_requests = _naive_other_kinds(gl, projects)
    return tokens + more_tokens, requests + more_requests


def _naive_other_kinds(gl: gitlab.Gitlab, projects: Sequence[Any]) -> tuple[int, int]:
    """The same data gltui walks beyond the token tables (issue 15), one request after
    another: each project's triggers, agents and their tokens (each token read for its
    last use), service accounts and their tokens; each owned top-level group's service
    accounts and their tokens; every runner the user manages, each read for its expiry."""
    requests = tokens = 0

    def rows(path: str, **params: Any) -> list[dict[str, Any]]:
        nonlocal requests
        found = list(gl.http_list(path, query_data=params, get_all=True, per_page=100))
        requests += max(1, -(-len(found) // 100))
        return [row for row in found if isinstance(row, dict)]

    def one(path: str) -> None:
        nonlocal requests
        requests += 1
        gl.http_get(path)

    for project in projects:
        base = f"/projects/{project.id}"
        tokens += len(rows(f"{base}/triggers"))
        for agent in rows(f"{base}/cluster_agents"):
            for token in rows(f"{base}/cluster_agents/{agent['id']}/tokens"):
                one(f"{base}/cluster_agents/{agent['id']}/tokens/{token['id']}")
                tokens += 1
        for account in rows(f"{base}/service_accounts"):
            tokens += len(rows(f"{base}/service_accounts/{account['id']}/personal_access_tokens"))
    for group in rows("/groups", min_access_level=50, top_level_only=True):
        for account in rows(f"/groups/{group['id']}/service_accounts"):
            path = f"/groups/{group['id']}/service_accounts/{account['id']}/personal_access_tokens"
            tokens += len(rows(path))
    for runner in rows("/runners"):
        one(f"/runners/{runner['id']}")
        tokens += 1
    return tokens, requests


def main() -> None:
    """Run the three measurements and print the figures."""
    parser = argparse.ArgumentParser(description="gltui refresh vs naive loop vs floor")
    parser.add_argument("--scale", default="large")
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument("--skip-naive", action="store_true", help="only gltui and the floor")
    args = parser.parse_args()
    latency = args.latency_ms / 1000
    process, contract = start_sandbox(args.scale, args.latency_ms)
    try:
        url = str(contract["url"])
        tokens = contract["tokens"]
        assert isinstance(tokens, dict)
        spec = InstanceSpec(
            "bench", url, Secret(tokens["maintainer"]), concurrency=args.concurrency
        )
        started = time.perf_counter()
        inventory = walk_instance(spec, datetime.now(UTC))
        gltui_seconds = time.perf_counter() - started
        assert inventory.ok, inventory.failure
        floor = inventory.requests / args.concurrency * latency
        print(
            f"sandbox: scale {args.scale}, latency {args.latency_ms:g} ms, "
            f"concurrency {args.concurrency}"
        )
        print(
            f"gltui refresh (maintainer): {len(inventory.tokens)} tokens, "
            f"{inventory.requests} requests, {gltui_seconds:.2f} s"
        )
        print(f"floor (requests / concurrency x latency): {floor:.2f} s")
        print(f"gltui / floor: {gltui_seconds / floor:.2f}x")
        if not args.skip_naive:
            started = time.perf_counter()
            naive_tokens, naive_requests = naive_loop(url, tokens["maintainer"])
            naive_seconds = time.perf_counter() - started
            print(
                f"naive sequential python-gitlab loop: {naive_tokens} tokens, "
                f"{naive_requests} requests, {naive_seconds:.2f} s"
            )
            print(f"naive / gltui: {naive_seconds / gltui_seconds:.1f}x faster with gltui")
        admin = InstanceSpec("bench", url, Secret(tokens["admin"]), concurrency=args.concurrency)
        started = time.perf_counter()
        admin_inventory = walk_instance(admin, datetime.now(UTC))
        admin_seconds = time.perf_counter() - started
        admin_floor = admin_inventory.requests / args.concurrency * latency
        print(
            f"gltui refresh (admin): {len(admin_inventory.tokens)} tokens, "
            f"{admin_inventory.requests} requests, {admin_seconds:.2f} s, "
            f"floor {admin_floor:.2f} s ({admin_seconds / admin_floor:.2f}x)"
        )
        # memory is measured in a separate, untimed run: tracemalloc slows allocation
        tracemalloc.start()
        measured = walk_instance(admin, datetime.now(UTC))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(
            f"peak traced memory of the admin refresh ({len(measured.tokens)} tokens): "
            f"{peak / 2**20:.1f} MiB"
        )
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__":
    main()

"""The figures of issue 19 that need a sandbox with latency, several sandboxes, or a
clean process: imported by ``bench/scale.py``, which prints them beside the others.

- the administrator's refresh at 50 ms a request against its floor (requests /
  concurrency x latency), on one instance and with the same tokens spread over three
  (walked at once: the floor is the slowest instance's);
- the whole headless report of the spread (peak RSS) and the dashboard's peak RSS after a
  full refresh of it;
- a whole ``gltui report`` of a 150-project instance at 50 ms, process start included,
  against the naive sequential python-gitlab walk run the same way (a new process);
- the cold first frame from a 10,000-token cache against an empty Textual app
  (``bench/dashboard.py``'s interleaved runs).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from gltui.adapters.log import RequestLog
from gltui.domain.defaults import DEFAULT_CONCURRENCY
from gltui.domain.secret import Secret
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.model import InstanceInventory
from gltui.inventory.spec import InstanceSpec
from gltui.inventory.walk import walk_instance

GLTUI = str(Path(sys.executable).parent / "gltui")
LATENCY_MS = 50.0


@contextmanager
def sandboxes(
    scale: int, count: int = 1, latency_ms: float = 0.0
) -> Iterator[list[dict[str, Any]]]:
    """``count`` sandboxes of ``--scale scale`` in their own processes; their contracts
    (url and persona tokens), each with ``pid``."""
    processes = []
    try:
        for _ in range(count):
            process = subprocess.Popen(
                [GLTUI, "sandbox", "--scale", str(scale), "--latency-ms", str(latency_ms)],
                stdout=subprocess.PIPE,
                text=True,
            )
            processes.append(process)
        contracts = []
        for process in processes:
            assert process.stdout is not None
            contracts.append({**json.loads(process.stdout.readline()), "pid": process.pid})
        yield contracts
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def admin_specs(
    contracts: list[dict[str, Any]], log: RequestLog | None = None
) -> list[InstanceSpec]:
    return [
        InstanceSpec(f"bench-{n}", str(c["url"]), Secret(c["tokens"]["admin"]), request_log=log)
        for n, c in enumerate(contracts)
    ]


KIND_PATHS = ("/triggers", "/cluster_agents", "/service_accounts", "/runners")
"""Where the kinds outside the token tables are listed (issue 15): per project, per
top-level group, per agent, per runner."""


def kind_requests(log: RequestLog) -> int:
    """How many of the logged requests listed triggers, agent tokens, service accounts
    or runners (each is also in the walk's ``requests``)."""
    return sum(1 for r in log.records() if any(word in r.path for word in KIND_PATHS))


def walk_all(specs: list[InstanceSpec]) -> tuple[float, list[InstanceInventory]]:
    """Every instance walked at once, as the engine does; (wall seconds, inventories)."""
    started = time.perf_counter()
    with ThreadPoolExecutor(len(specs)) as pool:
        found = list(pool.map(lambda spec: walk_instance(spec, datetime.now(UTC)), specs))
    return time.perf_counter() - started, found


def refresh_against_floor(scale: int, count: int) -> tuple[int, int, float, float, int]:
    """The admin refresh at :data:`LATENCY_MS` of ``count`` sandboxes of ``scale``:
    (tokens, requests, seconds, floor seconds, requests of the kinds outside the token
    tables among them)."""
    log = RequestLog(keep=10_000_000)
    with sandboxes(scale, count, LATENCY_MS) as contracts:
        seconds, found = walk_all(admin_specs(contracts, log))
    assert all(inventory.ok for inventory in found), [i.failure for i in found]
    latency = LATENCY_MS / 1000
    floor = max(i.requests for i in found) / DEFAULT_CONCURRENCY * latency
    tokens = sum(len(i.tokens) for i in found)
    return tokens, sum(i.requests for i in found), seconds, floor, kind_requests(log)


def config_for(contracts: list[dict[str, Any]], home: str) -> dict[str, str]:
    """An environment whose gltui config names every sandbox (tokens in variables)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "GLTUI_"))}
    lines = []
    for n, contract in enumerate(contracts):
        env[f"BENCH_TOKEN_{n}"] = contract["tokens"]["admin"]
        lines += [
            "[[instances]]",
            f'name = "bench-{n}"',
            f'url = "{contract["url"]}"',
            f'token_env = "BENCH_TOKEN_{n}"',
            "",
        ]
    Path(home, "config.toml").write_text("\n".join(lines))
    Path(home, "config.toml").chmod(0o600)
    env.update(
        GLTUI_CACHE_DIR=f"{home}/cache",
        GLTUI_DATA_DIR=f"{home}/data",
        GLTUI_CONFIG=f"{home}/config.toml",
    )
    return env


NAIVE_CHILD = """
import os, sys
sys.path.insert(0, sys.argv[1])
from refresh import naive_loop
tokens, requests = naive_loop(os.environ["BENCH_URL"], os.environ["BENCH_TOKEN"])
print(tokens, requests)
"""


def whole_report_against_naive(projects: int = 150) -> tuple[int, float, float]:
    """A whole ``gltui report`` (new process: start, imports, refresh, output) of a
    ``projects``-project sandbox at 50 ms as the maintainer, and the naive loop run the
    same way; (tokens, gltui seconds, naive seconds)."""
    with sandboxes(projects, 1, LATENCY_MS) as (contract,), tempfile.TemporaryDirectory() as home:
        env = config_for([contract], home)
        env["BENCH_TOKEN_0"] = contract["tokens"]["maintainer"]
        started = time.perf_counter()
        subprocess.run(
            [GLTUI, "report", "--format", "json"],
            env=env,
            stdout=subprocess.DEVNULL,
            check=True,
            timeout=900,
        )
        gltui = time.perf_counter() - started
        naive_env = {**env, "BENCH_URL": contract["url"], "BENCH_TOKEN": env["BENCH_TOKEN_0"]}
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", NAIVE_CHILD, str(Path(__file__).parent)],
            env=naive_env,
            capture_output=True,
            text=True,
            check=True,
            timeout=1800,
        )
        naive = time.perf_counter() - started
    return int(done.stdout.split()[0]), gltui, naive


def cold_first_frame(inventory: InstanceInventory) -> tuple[int, float, float]:
    """(tokens, empty app seconds, gltui first frame seconds): ``bench/dashboard.py``'s
    interleaved cold runs over ``inventory``'s first 10,000 tokens, cached as it caches."""
    from dashboard import TOKENS, cold_runs  # a sibling bench: imports Textual

    tokens = replace(inventory, name="bench", tokens=inventory.tokens[:TOKENS])
    with tempfile.TemporaryDirectory() as scratch:
        cache = SnapshotCache(Path(scratch))
        cache.save(tokens)
        plain = Path(scratch) / "without-head"
        plain.mkdir()
        shutil.copy(cache.path_for("bench"), plain)
        empty, first, _, _ = cold_runs(scratch, str(plain), tokens=len(tokens.tokens))
    return len(tokens.tokens), empty, first

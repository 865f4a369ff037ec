"""Scale: an administrator with 10,000 and 100,000 tokens, beside issue 19's targets.

Run: ``.venv/bin/python bench/scale.py [--scales 1600,16000]``

For each ``--scale`` (1,600 seeds 10,648 tokens, 16,000 105,852) it starts
``gltui sandbox`` in its own process (timing the seeding: spawn to its JSON line,
and its peak RSS), then, with the admin token:

1. ``gltui report --format json`` against the sandbox, a new process: peak RSS
   (``/usr/bin/time``) and wall time, the refresh included; it leaves the snapshot;
2. ``gltui report --offline --format csv|openmetrics``: peak RSS of rendering each
   machine format from that snapshot;
3. the snapshot's save (atomic, fsync) and load, in this process (best of 3);
4. the dashboard's filter and sort work per keystroke, as ``DashboardState.shown``
   does it (a :class:`~gltui.tui.row_index.RowIndex` over every row, its default order
   built by the first paint, search text warmed as the dashboard warms it) for each
   prefix of ``bot 1 api``: median and worst (the first keystroke, which builds the
   search-text list), beside a full ``apply_view`` pass per keystroke for reference;
5. the dashboard's peak RSS (``VmHWM``) after a full refresh from an empty cache: the
   app headless in a new process, which exits once every token is in its table and
   the refresh has ended (its snapshot save included).

6. the admin refresh at 50 ms a request against its floor, the cold first frame from a
   10,000-token cache, and the same tokens spread over three instances (report and
   dashboard peak RSS, refresh against the slowest's floor): ``bench/scale_network.py``;

and, after both scales, a whole ``gltui report`` of a 150-project instance against the
naive sequential walk, both as new processes.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from scale_network import (
    LATENCY_MS,
    admin_specs,
    cold_first_frame,
    config_for,
    refresh_against_floor,
    sandboxes,
    walk_all,
    whole_report_against_naive,
)

from gltui.inventory.cache import SnapshotCache
from gltui.tui.row_index import RowIndex
from gltui.tui.table_model import View, apply_view, build_rows

QUERY = "bot 1 api"
GLTUI = str(Path(sys.executable).parent / "gltui")
MIB = 1024.0


def line(what: str, figure: str, target: str) -> None:
    print(f"  {what:<52} {figure:>22}   target {target}")


def timed_peak(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(peak RSS in MiB, wall seconds) of ``command``, its output thrown away."""
    done = subprocess.run(
        ["/usr/bin/time", "-f", "%M %e", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        timeout=900,
    )
    if done.returncode:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}): {done.stderr[-500:]}")
    peak_kib, seconds = done.stderr.strip().splitlines()[-1].split()
    return int(peak_kib) / MIB, float(seconds)


def peak_of(pid: int) -> float:
    """VmHWM of a running process, in MiB."""
    for text in Path(f"/proc/{pid}/status").read_text().splitlines():
        if text.startswith("VmHWM:"):
            return int(text.split()[1]) / MIB
    return float("nan")


def keystrokes(cache: SnapshotCache, name: str) -> tuple[int, list[float], list[float]]:
    """(rows, seconds per prefix the dashboard's way, seconds per prefix by full passes)."""
    inventory = cache.load(name)
    assert inventory is not None
    rows = build_rows(inventory.tokens, datetime.now(UTC))
    for row in rows:
        _ = row.haystack
    index = RowIndex(rows)
    index.apply(View())  # the first paint: every row in the default order
    timings, passes = [], []
    for end in range(1, len(QUERY) + 1):
        started = time.perf_counter()
        kept = index.apply(View(query=QUERY[:end]))
        timings.append(time.perf_counter() - started)
        started = time.perf_counter()
        assert apply_view(rows, View(query=QUERY[:end])) == kept
        passes.append(time.perf_counter() - started)
    return len(rows), timings, passes


DASHBOARD_CHILD = """
import json, os, sys
from pathlib import Path
from gltui.domain.secret import Secret
from gltui.inventory.cache import SnapshotCache
from gltui.inventory.engine import InventoryEngine
from gltui.inventory.spec import InstanceSpec
from gltui.tui.app import GltuiApp
from gltui.tui.screens.dashboard import DashboardScreen
from gltui.tui.widgets.token_table import TokenTable

draw = DashboardScreen._render_table
expected = int(sys.argv[2])

def check(screen):
    app = screen.app
    if len(screen.query_one(TokenTable).rows) < expected or screen.state.refreshing:
        return
    if any(w.group in ("save", "warm") and not w.is_finished for w in app.workers):
        return  # the snapshot save and the search-text warm-up belong to a refresh
    status = Path("/proc/self/status").read_text().splitlines()
    print(next(line for line in status if line.startswith("VmHWM:")).split()[1], flush=True)
    os._exit(0)

def render_table(screen):  # on the first frame, start polling (a refresh ends unseen)
    DashboardScreen._render_table = draw
    draw(screen)
    screen.set_interval(0.5, lambda: check(screen))

DashboardScreen._render_table = render_table
triples = json.loads(os.environ["BENCH_SPECS"])  # (name, url, token): no token on argv
specs = [InstanceSpec(name, url, Secret(token)) for name, url, token in triples]
engine = InventoryEngine(specs, cache=SnapshotCache(Path(sys.argv[1])))
GltuiApp(engine).run(headless=True, size=(120, 36))
os._exit(1)
"""


def dashboard_peak(instances: list[tuple[str, str, str]], tokens: int) -> float:
    """The dashboard's VmHWM in MiB after a full refresh of ``tokens`` from nothing, over
    ``instances`` (name, url, token)."""
    with tempfile.TemporaryDirectory() as cache:
        done = subprocess.run(
            [sys.executable, "-c", DASHBOARD_CHILD, cache, str(tokens)],
            env={**os.environ, "BENCH_SPECS": json.dumps(instances)},
            capture_output=True,
            text=True,
            check=True,
            timeout=900,
        )
    return int(done.stdout.strip().splitlines()[-1]) / MIB


def one_scale(scale: int) -> None:
    started = time.perf_counter()
    sandbox = subprocess.Popen(
        [GLTUI, "sandbox", "--scale", str(scale)], stdout=subprocess.PIPE, text=True
    )
    assert sandbox.stdout is not None
    contract = json.loads(sandbox.stdout.readline())
    seeded = time.perf_counter() - started
    try:
        with tempfile.TemporaryDirectory() as home:
            env = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "GLTUI_"))}
            env.update(
                GITLAB_URL=contract["url"],
                GITLAB_TOKEN=contract["tokens"]["admin"],
                GLTUI_CACHE_DIR=f"{home}/cache",
                GLTUI_DATA_DIR=f"{home}/data",
                GLTUI_CONFIG=f"{home}/config.toml",
            )
            json_peak, json_wall = timed_peak([GLTUI, "report", "--format", "json"], env)
            offline = {
                fmt: timed_peak([GLTUI, "report", "--offline", "--format", fmt], env)
                for fmt in ("json", "csv", "openmetrics")
            }
            cache = SnapshotCache(Path(home) / "cache")
            name = contract_name(home)  # read outside the timing: it decodes the file too
            loads, saves = [], []
            inventory = None
            for _ in range(3):
                clock = time.perf_counter()
                inventory = cache.load(name)
                loads.append(time.perf_counter() - clock)
            assert inventory is not None, name
            with tempfile.TemporaryDirectory() as scratch:
                for _ in range(3):
                    clock = time.perf_counter()
                    SnapshotCache(Path(scratch)).save(inventory)
                    saves.append(time.perf_counter() - clock)
            tokens, typed, passes = keystrokes(cache, name)
            admin = contract["tokens"]["admin"]
            dashboard = dashboard_peak([("bench", contract["url"], admin)], tokens)
            cold = cold_first_frame(inventory) if tokens <= 20_000 else None
        sandbox_peak = peak_of(sandbox.pid)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
    keystroke_target = "median <= 6 ms" if tokens <= 20_000 else "median <= 50 ms"
    print(f"--scale {scale}: {tokens:,} tokens")
    line("sandbox seeding (spawn to its JSON line)", f"{seeded:.2f} s", "not the bottleneck")
    line("sandbox peak RSS (after serving the walk)", f"{sandbox_peak:.0f} MiB", "-")
    line("gltui report --format json, refresh included", f"{json_peak:.0f} MiB", "<= 250 MB")
    line("  its wall time", f"{json_wall:.1f} s", "-")
    for fmt, (peak, wall) in offline.items():
        line(f"gltui report --offline --format {fmt}", f"{peak:.0f} MiB, {wall:.1f} s", "<= 250 MB")
    line("snapshot save (atomic, fsync), best of 3", f"{min(saves) * 1000:.0f} ms", "<= 0.5 s")
    line("snapshot load, best of 3", f"{min(loads) * 1000:.0f} ms", "<= 0.5 s")
    line(
        f"filter+sort per keystroke ({QUERY!r}), as the dashboard",
        f"median {statistics.median(typed) * 1000:.1f} ms, worst {max(typed) * 1000:.0f}",
        keystroke_target,
    )
    line(
        "  the same by a full apply_view pass a keystroke",
        f"median {statistics.median(passes) * 1000:.0f} ms, worst {max(passes) * 1000:.0f}",
        "-",
    )
    line("dashboard peak RSS after a full refresh", f"{dashboard:.0f} MiB", "<= 300 MB")
    if cold is not None:
        shown, empty, first = cold
        line(
            f"cold first frame from cache ({shown:,} tokens), median of 9",
            f"{first * 1000:.0f} ms, {first / empty:.2f}x",
            f"<= 1.5x the empty app's {empty * 1000:.0f} ms",
        )
    _, requests, seconds, floor, kinds = refresh_against_floor(scale, 1)
    line(
        f"admin refresh at {LATENCY_MS:g} ms a request ({requests:,} requests, "
        f"{kinds:,} of them for triggers, agents, service accounts and runners)",
        f"{seconds:.2f} s, {seconds / floor:.2f}x",
        f"<= 1.3x its floor of {floor:.2f} s",
    )
    spread(scale, tokens)


def spread(scale: int, tokens: int) -> None:
    """The same tokens over three instances (a third of the projects each), walked at once."""
    third = max(1, scale // 3)
    with sandboxes(third, 3) as contracts, tempfile.TemporaryDirectory() as home:
        env = config_for(contracts, home)
        peak, wall = timed_peak([GLTUI, "report", "--format", "json"], env)
        instances = [(s.name, s.url, s.token.reveal()) for s in admin_specs(contracts)]
        spread_tokens = sum(len(i.tokens) for i in walk_all(admin_specs(contracts))[1])
        dashboard = dashboard_peak(instances, spread_tokens)
    walked, requests, seconds, floor, _ = refresh_against_floor(third, 3)
    print(f"  the same spread over three instances (--scale {third} each): {walked:,} tokens")
    report = f"{peak:.0f} MiB, {wall:.1f} s"
    line("  gltui report --format json, refresh included", report, "<= 250 MB")
    line("  dashboard peak RSS after a full refresh", f"{dashboard:.0f} MiB", "<= 300 MB")
    line(
        f"  admin refresh at {LATENCY_MS:g} ms ({requests:,} requests, 3 at once)",
        f"{seconds:.2f} s, {seconds / floor:.2f}x",
        f"<= 1.3x the slowest's floor of {floor:.2f} s",
    )


def contract_name(home: str) -> str:
    """The instance name gltui gives ``GITLAB_URL``: read back from the snapshot."""
    snapshot = next(iter(Path(home, "cache").glob("snapshot-*.json")))
    data = json.loads(snapshot.read_text())
    return str(data["name"])


def main() -> None:
    parser = argparse.ArgumentParser(description="gltui at 10,000 and 100,000 tokens")
    parser.add_argument("--scales", default="1600,16000")
    args = parser.parse_args()
    for scale in args.scales.split(","):
        one_scale(int(scale))
    tokens, gltui, naive = whole_report_against_naive(150)
    print(f"--scale 150 at {LATENCY_MS:g} ms, the maintainer: {tokens:,} tokens")
    line(
        "whole gltui report vs the naive walk, new processes",
        f"{gltui:.2f} s vs {naive:.1f} s: {naive / gltui:.1f}x",
        ">= 10x",
    )


if __name__ == "__main__":
    main()

"""Exporter benchmark: memory and CPU of ``gltui exporter`` at ~12,000 tokens.

Run: ``.venv/bin/python bench/exporter.py [--scale large] [--interval 5] [--refreshes 5]
[--scrapes 50]``

It starts ``gltui sandbox --scale large`` (about 12,000 tokens for the administrator) and
``gltui exporter`` on it in their own processes, with private cache and data
directories, then:

1. waits for the first refresh (it starts at once), and reads the exporter's CPU time
   (``/proc/<pid>/stat`` utime + stime) at each refresh line it logs for ``--refreshes``
   refreshes, with no scrape in between: CPU seconds per refresh (walk, carry-over,
   rendering both formats, gzip, the snapshot and history written to disk);
2. scrapes ``/metrics`` ``--scrapes`` times as Prometheus does (OpenMetrics, gzip) and
   as curl does (text, plain), and ``/calendar.ics``: latency per scrape and CPU per
   scrape;
3. prints the peak resident memory (``VmHWM`` in ``/proc/<pid>/status``) and the current
   one, the token count and the body sizes.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO

PROMETHEUS_ACCEPT = (
    "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
    "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
)
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of ``pid`` (fields 14 and 15 of /proc/<pid>/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def memory_kib(pid: int, field: str) -> int:
    """``VmHWM`` (peak resident set) or ``VmRSS`` from /proc/<pid>/status, in KiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise LookupError(field)


def lines_of(stream: IO[str]) -> queue.Queue[str]:
    """A queue fed with the stream's lines by a daemon thread."""
    found: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for line in stream:
            found.put(line)

    threading.Thread(target=pump, daemon=True).start()
    return found


def next_refresh(log: queue.Queue[str], deadline: float) -> str:
    while True:
        line = log.get(timeout=max(0.1, deadline - time.monotonic()))
        if " refresh " in line and " in " in line:
            return line.strip()


def fetch(url: str, accept: str = "", encoding: str = "") -> tuple[float, bytes]:
    headers = {"Accept": accept, "Accept-Encoding": encoding}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (local)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=30) as answer:  # noqa: S310 (local)
        body = answer.read()
    return time.perf_counter() - started, body


def summary(seconds: list[float]) -> str:
    ordered = sorted(seconds)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return (
        f"median {statistics.median(ordered) * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"max {ordered[-1] * 1000:.1f} ms"
    )


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description="gltui exporter: memory and CPU")
    parser.add_argument("--scale", default="large")
    parser.add_argument("--interval", type=float, default=5.0)
    parser.add_argument("--refreshes", type=int, default=5)
    parser.add_argument("--scrapes", type=int, default=50)
    args = parser.parse_args()
    gltui = str(Path(sys.executable).parent / "gltui")
    sandbox = subprocess.Popen(
        [gltui, "sandbox", "--scale", args.scale], stdout=subprocess.PIPE, text=True
    )
    assert sandbox.stdout is not None
    contract = json.loads(sandbox.stdout.readline())
    with tempfile.TemporaryDirectory() as home:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GITLAB_", "GLTUI_"))}
        env.update(
            GITLAB_URL=contract["url"],
            GITLAB_TOKEN=contract["tokens"]["admin"],
            GLTUI_CACHE_DIR=f"{home}/cache",
            GLTUI_DATA_DIR=f"{home}/data",
            GLTUI_CONFIG=f"{home}/config.toml",
        )
        exporter = subprocess.Popen(
            [gltui, "exporter", "--listen", "127.0.0.1:0", "--interval", str(args.interval)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        try:
            assert exporter.stdout is not None
            assert exporter.stderr is not None
            url = json.loads(exporter.stdout.readline())["url"]
            log = lines_of(exporter.stderr)
            pid = exporter.pid
            deadline = time.monotonic() + 600
            print("first refresh:", next_refresh(log, deadline))
            cpu = [cpu_seconds(pid)]
            for _ in range(args.refreshes):
                line = next_refresh(log, deadline)
                cpu.append(cpu_seconds(pid))
                print(f"  {line.split('gltui exporter: ', 1)[1]}  cpu {cpu[-1] - cpu[-2]:.2f} s")
            per_refresh = (cpu[-1] - cpu[0]) / args.refreshes
            print(f"CPU per refresh: {per_refresh:.2f} s (mean of {args.refreshes})")

            for name, accept, encoding in (
                ("Prometheus (OpenMetrics, gzip)", PROMETHEUS_ACCEPT, "gzip"),
                ("curl (text 0.0.4, plain)", "", ""),
            ):
                before, seconds = cpu_seconds(pid), []
                for _ in range(args.scrapes):
                    took, body = fetch(url + "/metrics", accept, encoding)
                    seconds.append(took)
                spent = (cpu_seconds(pid) - before) / args.scrapes
                size = len(gzip.decompress(body)) if encoding else len(body)
                print(
                    f"/metrics as {name}: {summary(seconds)}; CPU {spent * 1000:.1f} ms per "
                    f"scrape (includes any refresh that ran meanwhile); {len(body) / 1e6:.2f} MB "
                    f"sent, {size / 1e6:.2f} MB of text"
                )
            seconds = [fetch(url + "/calendar.ics")[0] for _ in range(10)]
            _, calendar = fetch(url + "/calendar.ics")
            print(
                f"/calendar.ics: {summary(seconds)}; {len(calendar) / 1e6:.2f} MB, "
                f"{calendar.count(b'BEGIN:VEVENT')} events"
            )
            _, body = fetch(url + "/metrics")
            tokens = body.count(b"\ngltui_token_info{")
            print(f"tokens published (not revoked): {tokens}")
            print(
                f"memory: peak RSS (VmHWM) {memory_kib(pid, 'VmHWM') / 1024:.0f} MiB, "
                f"now (VmRSS) {memory_kib(pid, 'VmRSS') / 1024:.0f} MiB"
            )
        finally:
            exporter.terminate()
            exporter.wait(timeout=30)
            sandbox.terminate()
            sandbox.wait(timeout=30)
        print(f"exporter exit code after SIGTERM: {exporter.returncode}")


if __name__ == "__main__":
    main()

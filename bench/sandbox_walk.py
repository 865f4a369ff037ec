"""How fast the sandbox answers a full paginated walk through python-gitlab.

Run: ``.venv/bin/python bench/sandbox_walk.py [--scale large] [--latency-ms 0]``

It starts a sandbox, walks the admin's ``/personal_access_tokens`` listing with
``get_all=True`` (100 rows a page) and prints the request count, the wall time,
the time per request and, when latency is injected, the ratio to the floor
``requests x latency`` (a sequential walk cannot beat it). The inventory
benchmark (``bench/refresh.py``, issue 3) builds on this to compare gltui's
concurrent refresh with a naive loop.
"""

from __future__ import annotations

import argparse
import time

import gitlab

from gltui.sandbox.seed import parse_scale
from gltui.sandbox.server import RunningSandbox, SandboxOptions


def main() -> None:
    """Parse options, run one walk, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", default="large")
    parser.add_argument("--latency-ms", type=float, default=0.0)
    args = parser.parse_args()
    options = SandboxOptions(scale=parse_scale(args.scale), latency_ms=args.latency_ms)
    started = time.perf_counter()
    with RunningSandbox(options) as sandbox:
        boot = time.perf_counter() - started
        client = gitlab.Gitlab(sandbox.url, private_token=sandbox.credentials.admin, per_page=100)
        client.auth()
        started = time.perf_counter()
        rows = client.personal_access_tokens.list(get_all=True)
        elapsed = time.perf_counter() - started
    requests = -(-len(rows) // 100)
    print(f"sandbox start (seed + bind): {boot * 1000:.0f} ms")
    print(f"walk: {len(rows)} tokens in {requests} requests, {elapsed:.2f} s")
    print(f"per request: {elapsed / requests * 1000:.1f} ms")
    if args.latency_ms:
        floor = requests * args.latency_ms / 1000
        print(f"floor (requests x latency): {floor:.2f} s; ratio to floor: {elapsed / floor:.2f}")


if __name__ == "__main__":
    main()

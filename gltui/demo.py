"""``gltui demo``: gltui against embedded sandbox instances, touching no real config.

Two sandboxes play a gitlab.com-like instance (current version, signed in as a
non-admin maintainer) and a self-managed one (16.11, signed in as an admin).
Until the dashboard lands, the demo prints what each instance holds, summed
into GitLab's four cards, through the real python-gitlab code path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TextIO

from gltui.adapters import client as gitlab_client
from gltui.domain.states import count_states
from gltui.domain.tokens import Token
from gltui.sandbox.server import RunningSandbox, SandboxOptions


@dataclass(frozen=True)
class DemoInstance:
    """One embedded instance: its name, URL and the credential gltui uses there."""

    name: str
    url: str
    token: str


@contextmanager
def demo_instances(seed: int = 1) -> Iterator[list[DemoInstance]]:
    """Start the demo's sandboxes; they stop when the block ends."""
    with ExitStack() as stack:
        cloud = stack.enter_context(RunningSandbox(SandboxOptions(seed=seed)))
        onprem = stack.enter_context(RunningSandbox(SandboxOptions(seed=seed + 1, version="16")))
        yield [
            DemoInstance("gitlab.com (sandbox)", cloud.url, cloud.credentials.maintainer),
            DemoInstance("self-managed (sandbox)", onprem.url, onprem.credentials.admin),
        ]


def run_demo(out: TextIO, *, now: datetime | None = None) -> int:
    """Print each instance and the four cards summed over them; returns the exit code."""
    moment = now or datetime.now(UTC)
    everything: list[Token] = []
    with demo_instances() as instances:
        for instance in instances:
            api = gitlab_client.connect(instance.url, instance.token)
            who = gitlab_client.identify(api)
            tokens = gitlab_client.personal_tokens(api, instance.name)
            everything.extend(tokens)
            cards = count_states(tokens, moment)
            role = "admin" if who.is_admin else "user"
            out.write(
                f"{instance.name:<24} GitLab {who.version:<12} {who.username} ({role})  "
                f"{len(tokens)} personal-table tokens: {cards.active} active, "
                f"{cards.expiring} expiring, {cards.revoked} revoked, {cards.expired} expired\n"
            )
    total = count_states(everything, moment)
    out.write(
        f"\nAll instances: Active {total.active} | Expiring in 2 weeks {total.expiring} | "
        f"Revoked {total.revoked} | Expired {total.expired}\n"
        "The dashboard is on its way; `gltui sandbox` serves a sandbox you can explore "
        "with any GitLab client.\n"
    )
    return 0

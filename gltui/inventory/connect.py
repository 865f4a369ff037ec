"""One way from an :class:`InstanceSpec` to its API client, for every command.

The walk, ``config check``'s probe and the actions all talk to GitLab through
the same guarded transport, with the same bounds and the same request log, so no
path can skip the policy (redirects, deadlines, caps, waits).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from gltui.inventory.spec import InstanceSpec

if TYPE_CHECKING:  # python-gitlab loads when a request is about to be made
    from gltui.adapters.gitlab_api import GitLabApi
    from gltui.adapters.transport import WaitListener


def api_for(
    spec: InstanceSpec, *, gated: bool = False, on_wait: WaitListener | None = None
) -> GitLabApi:
    """The client of ``spec``'s instance, its transport bounded by ``spec``.

    ``gated``: pause before the rate limit when ``RateLimit-Remaining`` runs low (a walk's
    many requests; a single action does not need it)."""
    from gltui.adapters.gitlab_api import GitLabApi, RateGate
    from gltui.adapters.transport import TransportLimits

    gate = RateGate(reserve=spec.concurrency * 2, max_wait=spec.max_wait) if gated else None

    return GitLabApi(
        spec.url,
        spec.token,
        timeout=spec.timeout,
        ssl_verify=spec.ssl_verify,
        gate=gate,
        limits=TransportLimits(request_seconds=spec.timeout, max_wait_seconds=spec.max_wait),
        name=spec.name,
        log=spec.request_log,
        on_wait=on_wait,
    )

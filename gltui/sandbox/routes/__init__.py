"""The sandbox's endpoints, one module per area; :func:`register_all` imports them."""

from __future__ import annotations

import importlib

_MODULES = (
    "personal",
    "resource",
    "deploy",
    "users",
    "namespaces",
    "by_value",
    "service_accounts",
    "triggers",
    "cluster_agents",
    "runners",
    "variables",
    "settings",
)


def register_all() -> None:
    """Import every route module (each registers its routes on import, once)."""
    for name in _MODULES:
        importlib.import_module(f"{__name__}.{name}")

"""The clock: what "now" means for every layer that needs it.

A root module beside ``paths.py`` and ``storage.py``, not in ``domain/``: the
domain never reads the clock (it is handed ``now``), and screens, the app and the
command line all take a :data:`Clock` so tests, the demo and screenshots can fix
the time. Living here, it also keeps the screens from importing each other for a
type alias (that once made a circle: add_instance -> dashboard -> instances).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
"""Returns the current time, timezone-aware (UTC)."""


def utc_now() -> datetime:
    """The real clock."""
    return datetime.now(UTC)

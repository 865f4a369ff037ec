"""Small performance tools with a measured reason to exist."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause the cyclic GC while building tens of thousands of acyclic objects.

    Loading a 12,000-token snapshot, or building the table's rows for it,
    triggers collection after collection that find nothing to free; pausing them
    halves the time (measured: snapshot load 236 -> 98 ms).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()

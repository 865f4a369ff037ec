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

    On the way out, what was built is moved straight to the oldest generation
    (``freeze`` then ``unfreeze``: two list splices). Otherwise the first collection
    after ``enable`` scans every object the block made, and they are scanned again on
    their way through the middle generation: ~0.2 s right after loading 100,000
    tokens, landing on whatever the user does next. Objects in the oldest generation
    are still collected by full collections, so nothing can leak.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()

"""Where gltui keeps its files (platformdirs), with env overrides for tests and CI.

``GLTUI_CACHE_DIR`` and ``GLTUI_DATA_DIR`` point gltui elsewhere, so tests and
the demo never touch the user's real files.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP_NAME = "gltui"


def cache_dir() -> Path:
    """Snapshots: safe to delete, rebuilt by the next refresh."""
    override = os.environ.get("GLTUI_CACHE_DIR")
    return Path(override) if override else platformdirs.user_cache_path(APP_NAME)


def data_dir() -> Path:
    """History and local state: kept across refreshes for the weekly review."""
    override = os.environ.get("GLTUI_DATA_DIR")
    return Path(override) if override else platformdirs.user_data_path(APP_NAME)

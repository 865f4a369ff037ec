"""Notices: local trouble worth a line to the user, never worth their output.

A snapshot that cannot be saved, a damaged history file set aside: gltui carries
on, and says so. Any thread adds a notice; ``gltui report`` prints them on stderr
after the report, the dashboard shows each as a warning notification. A notice is
one line naming the file or directory and what went wrong, never a token value.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

Listener = Callable[[str], None]


class Notices:
    """A thread-safe channel of one-line warnings.

    Until someone :meth:`listen`\\ s, notices wait (a dashboard mounts after its first
    files were read); then each goes straight to the listener. The same line is told
    once: a full disk must not repeat itself at every refresh.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: list[str] = []
        self._told: set[str] = set()
        self._listener: Listener | None = None

    def warn(self, message: str) -> None:
        """Tell the user ``message`` (from any thread)."""
        with self._lock:
            if message in self._told:
                return
            self._told.add(message)
            listener = self._listener
            if listener is None:
                self._waiting.append(message)
                return
        listener(message)  # outside the lock: a listener may be slow, or warn again

    def listen(self, listener: Listener) -> None:
        """Send every notice to ``listener`` from now on, the waiting ones first."""
        with self._lock:
            self._listener = listener
            waiting, self._waiting = self._waiting, []
        for message in waiting:
            listener(message)

    def drain(self) -> list[str]:
        """The notices nobody has heard yet, oldest first (and forget them)."""
        with self._lock:
            waiting, self._waiting = self._waiting, []
        return waiting

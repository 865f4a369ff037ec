"""A wrapper that keeps token values out of reprs, logs and tracebacks."""

from __future__ import annotations


class Secret:
    """A secret string that never shows itself by accident.

    ``repr``/``str``/f-strings print ``Secret('****')``; the value comes out only
    through :meth:`reveal`, which makes every use of it easy to find and review.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        """The real value, for the one place that must send or show it."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('****')"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)

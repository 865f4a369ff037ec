"""The dashboard's view over every row, kept so a keystroke costs less than a full pass.

:func:`~gltui.tui.table_model.apply_view` filters every row and sorts the survivors:
at 100,000 tokens that is ~100 ms a keystroke. :class:`RowIndex` gives the same rows
in the same order (``tests/test_row_index.py`` checks it against ``apply_view``) from
work it keeps between keystrokes:

- every row sorted once per sort order. A stable sort of a subset is the subset of
  the stable sort (ties keep their input order either way), so a filter of the
  sorted rows needs no sort of its own;
- the rows the card, instance and kind filters let through, in that order, with
  their search texts beside them (built once, then one ``in`` a row per word);
- the last result: when the new query implies the old one (each old word is part of
  a new word, as when a word is typed on), only the last result is filtered.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import compress

from gltui.domain.states import TokenState
from gltui.domain.tokens import TokenKind
from gltui.tui.table_model import Column, StateFilter, TokenRow, View, apply_view

_ORDERS_KEPT = 2
"""Sorted copies of every row kept: the current order and the one before it (a flip of
the direction and back costs nothing); each is a list of 100,000 references, ~0.8 MB."""

Base = tuple[StateFilter | None, str | None, TokenKind | None, Column, bool]
"""The view without its query: what the kept rows depend on."""


@dataclass
class _Filtered:
    """Rows in view order with their search texts (``None`` until a query needs them)."""

    key: Base
    rows: list[TokenRow]
    haystacks: list[str] | None = None
    terms: tuple[str, ...] = field(default=())

    def texts(self) -> list[str]:
        """The rows' search texts, built on the first query."""
        if self.haystacks is None:
            self.haystacks = [row.haystack for row in self.rows]
        return self.haystacks


def narrows(previous: Sequence[str], terms: Sequence[str]) -> bool:
    """Whether every row matching ``terms`` also matches ``previous``: each earlier
    word is part of some new one (``bo`` -> ``bot``, ``bot`` -> ``bot 1``)."""
    return all(any(old in new for new in terms) for old in previous)


class RowIndex:
    """Every row of the dashboard (fixed: a new set of rows gets a new index)."""

    __slots__ = ("_base", "_last", "_orders", "_rows")

    def __init__(self, rows: Sequence[TokenRow]) -> None:
        self._rows = list(rows)
        self._orders: dict[tuple[Column, bool], list[TokenRow]] = {}
        self._base: _Filtered | None = None
        self._last: _Filtered | None = None

    def __len__(self) -> int:
        return len(self._rows)

    def texts_changed(self) -> None:
        """Some rows' search texts changed (a row marked replaced says so): forget the
        texts and the last result, keep the sorted orders and the filtered rows (no sort
        key and no card, instance or kind filter looks at the mark), so the next view
        costs one pass over the texts instead of a sort of every row."""
        if self._base is not None:
            self._base.haystacks = None
        self._last = None

    def _ordered(self, sort: Column, descending: bool) -> list[TokenRow]:
        key = (sort, descending)
        found = self._orders.get(key)
        if found is None:
            found = apply_view(self._rows, View(sort=sort, descending=descending))
            if len(self._orders) >= _ORDERS_KEPT:
                del self._orders[next(iter(self._orders))]
            self._orders[key] = found
        return found

    def _filtered(self, key: Base) -> _Filtered:
        """The rows the card, instance and kind filters let through, in view order."""
        if self._base is not None and self._base.key == key:
            return self._base
        state, instance, kind, sort, descending = key
        rows = self._ordered(sort, descending)
        if state is not None or instance is not None or kind is not None:
            admitted = {s for s in TokenState if state is None or state.admits(s)}
            rows = [
                row
                for row in rows
                if row.state in admitted
                and (instance is None or row.token.instance == instance)
                and (kind is None or row.token.kind is kind)
            ]
        self._base = _Filtered(key, rows)
        return self._base

    def apply(self, view: View) -> list[TokenRow]:
        """``apply_view(rows, view)``, from what earlier views left."""
        terms = tuple(view.query.lower().split())
        key: Base = (view.state, view.instance, view.kind, view.sort, view.descending)
        last = self._last
        if last is not None and last.key == key and narrows(last.terms, terms):
            start, done = last, set(last.terms)
        else:
            start, done = self._filtered(key), set()
        rows = start.rows
        if terms:
            texts = start.texts()
            for term in terms:
                if term in done:
                    continue
                done.add(term)
                mask = [term in text for text in texts]
                rows = list(compress(rows, mask))
                texts = list(compress(texts, mask))
            self._last = _Filtered(key, rows, texts, terms)
        else:
            self._last = None  # the base is kept already
        return list(rows)

"""Make text chosen by other people inert in each report format.

Token names, descriptions, usernames and project paths are written by whoever
can create a token (any project Maintainer) or by the server itself, and the
reports are opened in spreadsheets, scraped by Prometheus, parsed by programs
and pasted into issues. Each format gets the escaping its readers need; the
values gltui writes itself (numbers, dates, enum words) never pass through here,
so a negative ``days_left`` stays a number.

Visible escapes are Python-style: ``\\xNN`` up to U+00FF, ``\\uNNNN`` beyond. A
backslash already in a name is left alone (as :func:`~gltui.domain.display.printable`
does), so a name that literally reads ``\\x1b`` looks like an escaped one: showing
people's names as typed mattered more than an unambiguous reverse mapping, which
the JSON report gives anyway.
"""

from __future__ import annotations

import io
import json
import re
import unicodedata
from typing import Any, TextIO

from gltui.domain.display import printable

C0_CONTROLS = frozenset(chr(code) for code in range(0x20))
DEL = "\x7f"
C1_CONTROLS = frozenset(chr(code) for code in range(0x80, 0xA0))
BIDI_OVERRIDES = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Embeddings, overrides and isolates: they reorder what follows ("Trojan Source")."""
BIDI_MARKS = frozenset("\u061c\u200e\u200f")
"""Arabic letter mark, left-to-right and right-to-left marks: invisible, reorder neutrals."""
LINE_SEPARATORS = frozenset("\u2028\u2029")
"""Line and paragraph separators: JavaScript (before ES2019) and some editors break lines."""
SURROGATES = ("\ud800", "\udfff")
"""First and last: a JSON ``\\ud800`` escape from a server becomes a lone surrogate, which
no UTF-8 writer can encode; left raw, it would crash the report instead of showing it."""

_VISIBLE = C0_CONTROLS | {DEL} | C1_CONTROLS | BIDI_OVERRIDES
"""What CSV cells and OpenMetrics label values show as escapes instead of raw."""


def _visible(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def _make_visible(text: str, keep: frozenset[str] = frozenset()) -> str:
    """``text`` with every character of :data:`_VISIBLE` (or a surrogate) but ``keep``
    written as a visible escape."""
    if text.isprintable():  # the common case: every such character is unprintable
        return text
    return "".join(
        _visible(char)
        if (char in _VISIBLE and char not in keep) or SURROGATES[0] <= char <= SURROGATES[1]
        else char
        for char in text
    )


# -- CSV ------------------------------------------------------------------------------

FORMULA_TRIGGERS = frozenset("=+-@\t\r")
"""OWASP's CSV-injection list: a cell starting with one of these may be run as a formula."""
_SKIPPED_BEFORE_FORMULA = frozenset("\u200b\u200c\u200d\u2060\ufeff")
"""Zero-width characters a spreadsheet may drop before it looks at the first character."""
_CSV_RAW = frozenset("\r\n")
"""Line breaks stay: the writer quotes a cell that holds one (RFC 4180)."""


def _starts_a_formula(text: str) -> bool:
    """Whether a spreadsheet could read ``text`` as a formula.

    Beyond OWASP's first-character rule, leading whitespace (and zero-width
    characters) is skipped, because LibreOffice's "trim spaces" import option and
    some importers strip it before deciding; and the first real character is compared
    after NFKC, so fullwidth and small forms (U+FF1D FULLWIDTH EQUALS SIGN, U+FE62 SMALL
    PLUS SIGN, U+FF20 FULLWIDTH COMMERCIAL AT...) count as their ASCII selves. Whether a
    spreadsheet in an East Asian locale folds them before deciding is not documented;
    a wrong guess here costs one quote character, a wrong guess the other way a formula.
    """
    if text[:1] in FORMULA_TRIGGERS:
        return True
    for char in text:
        if char.isspace() or char in _SKIPPED_BEFORE_FORMULA:
            continue
        return unicodedata.normalize("NFKC", char)[:1] in FORMULA_TRIGGERS
    return False


def csv_cell(text: str) -> str:
    """A free-text CSV cell (name, path, username, scopes): control characters and
    bidi overrides made visible, and a leading ``'`` when it could start a formula.

    The quote is OWASP's advice: spreadsheets then show the cell as text. It also
    changes what a program reading the CSV gets back, which is the price of a file
    that is safe to double-click; the JSON report is the lossless one.
    """
    text = _make_visible(text, keep=_CSV_RAW)
    return "'" + text if _starts_a_formula(text) else text


# -- OpenMetrics ------------------------------------------------------------------------


def label_value(text: str) -> str:
    """An OpenMetrics label value: backslash, double quote and newline escaped as the
    spec says, and every other control character shown as a visible ``\\xNN`` (the
    spec has no escape for them, and a raw carriage return or NUL breaks line-based
    scrapers). Nothing a name holds can end the quoted value or start a new line, so a
    name cannot add a sample or an ``# EOF``."""
    visible = _make_visible(text, keep=frozenset("\n"))
    return visible.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


# -- JSON -------------------------------------------------------------------------------

_JSON_RAW_OUTPUT = re.compile(
    "["
    + "".join(sorted({DEL} | C1_CONTROLS | BIDI_OVERRIDES | BIDI_MARKS | LINE_SEPARATORS))
    + f"{SURROGATES[0]}-{SURROGATES[1]}]"
)
"""What ``json.dumps(ensure_ascii=False)`` leaves raw that should not be: DEL, C1, the
separators and the bidi controls (it escapes C0 itself)."""


def json_text(document: Any) -> str:
    """``document`` as indented JSON with ordinary non-ASCII text readable (``é``, ``🔑``)
    and every control character, C1 and bidi control included, as a ``\\uXXXX`` escape.

    Escaping after ``json.dumps`` is sound: outside strings the output is ASCII, so
    each match is inside a string, where ``\\uXXXX`` means the same character and
    ``json.loads`` gives back exactly the original text.
    """
    buffer = io.StringIO()
    write_json(document, buffer)
    return buffer.getvalue()


def write_json(document: Any, out: TextIO, *, flush_at: int = 1 << 16) -> None:
    """:func:`json_text` written to ``out`` in pieces of about ``flush_at`` characters,
    so a report of 100,000 tokens never exists whole in memory (as one string it was
    83 MB, and the encoder's list of pieces several times that).

    ``json.dumps`` with an indent runs the same pure-Python ``iterencode`` (the C
    encoder is only for compact output), so the bytes are exactly ``dumps``'s; the
    escape pattern matches single characters, so escaping piece by piece is the same
    as escaping the whole."""
    encoder = json.JSONEncoder(ensure_ascii=False, indent=2)
    pending: list[str] = []
    size = 0
    for piece in encoder.iterencode(document):
        pending.append(piece)
        size += len(piece)
        if size >= flush_at:
            out.write(_escape_json_output("".join(pending)))
            pending.clear()
            size = 0
    out.write(_escape_json_output("".join(pending)))


def _escape_json_output(text: str) -> str:
    return _JSON_RAW_OUTPUT.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


# -- Markdown ---------------------------------------------------------------------------

WORD_JOINER = "\u2060"
"""Invisible and without width; between ``@`` and a name it stops a mention."""
_MARKDOWN_PUNCTUATION = frozenset("\\`*_{}[]()!|~#$%&^:")
"""Backslash-escaped: CommonMark renders any escaped ASCII punctuation literally."""


def markdown_text(text: str) -> str:
    """``text`` for a Markdown table cell or line, rendering literally in GitLab- and
    GitHub-flavoured Markdown.

    * Control characters, line breaks and bidi controls become visible first
      (:func:`printable`), so nothing can end the table row or start a block.
    * Inline syntax is backslash-escaped: ``\\ ` * _ { } [ ] ( ) ! |`` (emphasis, code,
      images ``![x](url)``, links ``[x](javascript:..)``, GitLab's ``{+ +}`` diffs, table
      cells) and GitLab's reference characters ``# $ % & ^ ~ :``. GitLab's parser
      (``escaped_char_spans``) keeps an escaped reference character from becoming an
      issue, label, milestone, epic or snippet reference; escaping ``:`` also keeps
      ``http:`` from autolinking; escaping ``&`` stops entities (``&#64;``).
    * ``<`` and ``>`` become ``&lt;`` and ``&gt;``: no raw HTML (``<img onerror>``), no
      autolink (``<http://..>``); an entity is literal in every renderer.
    * ``@`` is escaped and followed by a word joiner (U+2060): GitLab honours the escape,
      GitHub does not (github/cmark-gfm#181), and neither treats ``@`` + joiner + name
      as a mention, so ``@all`` notifies nobody. The joiner is invisible but copied
      along with the text.

    An underscore between two letters or digits stays as it is (``read_api``): CommonMark's
    flanking rules never let it open or close emphasis, and scopes are full of them.

    Not covered: a bare ``www.example.com`` may still be autolinked by GFM; its target
    is the text shown, so it cannot hide where it leads, and images need ``![``.
    """
    text = printable(text)
    escaped = []
    for index, char in enumerate(text):
        if char == "_" and _inside_a_word(text, index):
            escaped.append(char)  # read_api: an underscore between letters never emphasises
        elif char in _MARKDOWN_PUNCTUATION:
            escaped.append("\\" + char)
        elif char == "<":
            escaped.append("&lt;")
        elif char == ">":
            escaped.append("&gt;")
        elif char == "@":
            escaped.append("\\@" + WORD_JOINER)
        else:
            escaped.append(char)
    return "".join(escaped)


def _inside_a_word(text: str, index: int) -> bool:
    """Whether ``text[index]`` has a letter or digit on both sides."""
    return 0 < index < len(text) - 1 and text[index - 1].isalnum() and text[index + 1].isalnum()

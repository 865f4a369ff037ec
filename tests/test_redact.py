"""Token-shaped values and known secrets never survive :func:`scrub`, whatever surrounds them."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gltui.domain.redact import (
    REDACTED,
    TOKEN_PREFIXES,
    TOKEN_SHAPED_BYTES,
    looks_like_token,
    may_hold_a_token,
    scrub,
)

BODY = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-",
    min_size=20,
    max_size=40,
)
AROUND = st.text(max_size=30)


def routable() -> st.SearchStrategy[str]:
    body = st.text(
        alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789-_=", min_size=27, max_size=60
    )
    return st.builds(lambda b: f"glpat-{b}.01.a1b2c3d4e", body)


@given(
    prefix=st.sampled_from(TOKEN_PREFIXES),
    body=BODY,
    custom=st.sampled_from(["", "mycompany-", "acme_corp-"]),
    before=AROUND,
    after=AROUND,
)
def test_every_prefixed_token_is_redacted(
    prefix: str, body: str, custom: str, before: str, after: str
) -> None:
    token = f"{custom}{prefix}-{body}"
    scrubbed = scrub(f"{before} {token} {after}")
    assert token not in scrubbed
    assert f"{prefix}-{body}" not in scrubbed
    assert REDACTED in scrubbed


@given(token=routable(), before=AROUND, after=AROUND)
def test_routable_tokens_are_redacted_whole(token: str, before: str, after: str) -> None:
    scrubbed = scrub(f"{before}{' '}{token}{' '}{after}")
    assert token not in scrubbed
    assert ".01.a1b2c3d4e" not in scrubbed


@given(secret=st.text(alphabet="abcdefghij0123456789", min_size=8, max_size=30), text=AROUND)
def test_a_known_secret_is_redacted_even_without_a_shape(secret: str, text: str) -> None:
    scrubbed = scrub(f"{text}{secret}{text}", [secret])
    assert secret not in scrubbed


@pytest.mark.parametrize(
    "text",
    ["glance at the docs", "GitLab 18.5.0-ee", "project_12_bot_abc", "read_api, api", "2026-12-01"],
)
def test_ordinary_words_stay(text: str) -> None:
    assert scrub(text) == text
    assert not looks_like_token(text)


def test_percent_encoded_secret_is_redacted() -> None:
    secret = "a+b/c=d/efgh"
    assert scrub("x a%2Bb%2Fc%3Dd%2Fefgh y", [secret]) == f"x {REDACTED} y"
    assert scrub(f"x {secret} y", [secret]) == f"x {REDACTED} y"


def test_short_known_values_are_not_searched() -> None:
    """A secret under 8 characters would redact ordinary words; none of GitLab's is."""
    assert scrub("the api says", ["api"]) == "the api says"


_pieces = st.sampled_from(
    ["glpat-", "GLPAT-", "GlDt-", "glptt", "gl", "-", "_gitlab_session=", "_GITLAB_SESSION=",
     "acme-", "abcdefgh1234", "x" * 25, '"', " ", "é", "\u00ff", "=", ".", "glagent-", "glrtr-"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_pieces | st.text(max_size=6), max_size=14).map("".join))
def test_the_cheap_body_check_never_misses_what_the_pattern_finds(text: str) -> None:
    body = text.encode()
    assert may_hold_a_token(body) == (TOKEN_SHAPED_BYTES.search(body) is not None)


def test_a_page_without_gl_is_clean_and_one_with_a_token_is_not() -> None:
    page = b'[{"id": 1, "name": "deploy", "scopes": ["api"], "web_url": "https://gitlab.x"}]'
    assert not may_hold_a_token(page * 100)
    assert may_hold_a_token(page + b'{"note": "acme-GLPAT-abcdefgh12345678"}')
    assert may_hold_a_token(b"Cookie: _gitlab_session=abcdef0123456789")
    assert not may_hold_a_token(b'"glob-pattern", "angle-grinder"')

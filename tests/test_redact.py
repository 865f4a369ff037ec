"""Token-shaped values and known secrets never survive :func:`scrub`, whatever surrounds them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gltui.domain.redact import REDACTED, TOKEN_PREFIXES, looks_like_token, scrub

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

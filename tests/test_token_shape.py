"""Routing a leaked value by its shape: every GitLab prefix, instance prefixes, routable PATs."""

from __future__ import annotations

import pytest

from gltui.domain.redact import TOKEN_PREFIXES
from gltui.domain.secret import Secret
from gltui.domain.token_shape import PREFIX_KINDS, ShapeKind, candidate_instances, shape_of

BODY = "Ab3dEf6hIj9kLm2nOp5q"

EXPECTED = {
    "glpat": ShapeKind.PAT_TYPE,
    "gloas": ShapeKind.OAUTH_SECRET,
    "gldt": ShapeKind.DEPLOY,
    "glrtr": ShapeKind.RUNNER,
    "glrt": ShapeKind.RUNNER,
    "glcbt": ShapeKind.JOB,
    "glptt": ShapeKind.TRIGGER,
    "glft": ShapeKind.FEED,
    "glimt": ShapeKind.INCOMING_MAIL,
    "glagent": ShapeKind.AGENT,
    "glwt": ShapeKind.WORKSPACE,
    "glsoat": ShapeKind.SCIM,
    "glffct": ShapeKind.FEATURE_FLAGS,
}


def test_every_prefix_the_redactor_knows_has_a_kind() -> None:
    assert set(PREFIX_KINDS) == set(TOKEN_PREFIXES) == set(EXPECTED)


@pytest.mark.parametrize(("prefix", "kind"), sorted(EXPECTED.items()))
def test_each_prefix(prefix: str, kind: ShapeKind) -> None:
    shape = shape_of(Secret(f"{prefix}-{BODY}"))
    assert (shape.kind, shape.type_prefix, shape.instance_prefix) == (kind, prefix, None)
    assert shape.self_describing is (kind is ShapeKind.PAT_TYPE)


@pytest.mark.parametrize(("prefix", "kind"), sorted(EXPECTED.items()))
def test_each_prefix_under_an_instance_prefix(prefix: str, kind: ShapeKind) -> None:
    shape = shape_of(Secret(f"mycompany-{prefix}-{BODY}"))
    assert (shape.kind, shape.instance_prefix) == (kind, "mycompany")


def test_routable_pat_and_its_routing_part() -> None:
    shape = shape_of(Secret("glpat-" + "a" * 27 + ".01.abcdefghi"))
    assert shape.kind is ShapeKind.PAT_TYPE
    assert shape.routing == "01"
    assert "routable" in shape.describe()
    assert shape_of(Secret(f"glpat-{BODY}")).routing is None  # legacy: 20 characters


def test_session_cookie_and_unprefixed_values() -> None:
    assert shape_of(Secret("_gitlab_session=abcdef0123456789")).kind is ShapeKind.SESSION
    unknown = shape_of(Secret("0123456789abcdefABCD"))  # before 14.5: no prefix
    assert unknown.kind is ShapeKind.UNKNOWN
    assert unknown.self_describing  # such tokens were PATs


def test_the_value_is_never_in_the_shape() -> None:
    value = f"acme-glpat-{BODY}"
    shape = shape_of(Secret(value))
    assert BODY not in repr(shape)
    assert BODY not in shape.describe()


INSTANCES = [("a", None), ("b", "acme"), ("c", "other")]


def test_candidates() -> None:
    plain = shape_of(Secret(f"glpat-{BODY}"))
    assert candidate_instances(plain, INSTANCES) == ["a", "b", "c"]  # may predate a prefix
    acme = shape_of(Secret(f"acme-glpat-{BODY}"))
    assert candidate_instances(acme, INSTANCES) == ["b"]
    unknown_prefix = shape_of(Secret(f"zeta-gldt-{BODY}"))
    assert candidate_instances(unknown_prefix, INSTANCES) == ["a"]  # never b or c
    assert candidate_instances(unknown_prefix, [("b", "acme")]) == []

"""Fine-grained tokens in the table model, the filter and the details pane (no Textual)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from gltui.domain.display import (
    access_summary,
    boundary_label,
    granular_summary,
    known_paths,
    token_type,
)
from gltui.domain.risk import token_risk
from gltui.domain.scopes import ScopeRisk
from gltui.domain.tokens import GranularScope, ResourceType, Token
from gltui.tui.row_index import RowIndex
from gltui.tui.screens.details import detail_lines, risk_flags
from gltui.tui.table_model import COLUMNS, Column, View, apply_view, build_rows
from tests.conftest import NOW
from tests.granular_data import (
    CI_READER,
    CI_READER_SCOPES,
    DEPLOY,
    FINE_GRAINED,
    JIRA,
    RELEASE,
    SERVICE,
    TOKENS,
)

SCOPES, NAME = COLUMNS.index(Column.SCOPES), COLUMNS.index(Column.NAME)


def test_the_summary_names_each_boundary_and_counts_the_rest() -> None:
    assert granular_summary(CI_READER_SCOPES) == (
        "all_memberships(read_job,+2); project #6(read_deploy_token); "
        "group #12(read_resource_access_token)"
    )
    assert granular_summary(CI_READER_SCOPES[:1], shown=None) == (
        "all_memberships(read_job,read_pipeline,read_deploy_token)"
    )
    assert granular_summary(()) == "boundaries not listed"
    assert granular_summary([GranularScope("user", ())]) == "user(none)"
    assert access_summary(CI_READER).startswith("fine-grained: all_memberships(read_job,+2); ")
    assert access_summary(SERVICE) == "fine-grained: boundaries not listed"
    assert access_summary(DEPLOY) == "api"  # a legacy token: its scopes, as before


def test_boundaries_name_the_paths_the_inventory_knows() -> None:
    paths = known_paths(TOKENS)
    assert paths == {(ResourceType.PROJECT, 6): "acme/api", (ResourceType.GROUP, 13): "acme"}
    project, group = CI_READER_SCOPES[1], CI_READER_SCOPES[2]
    assert boundary_label(project, paths) == "project acme/api"
    assert boundary_label(project) == "project #6"
    assert boundary_label(group, paths) == "group #12"  # no token names group 12
    assert boundary_label(GranularScope("selected_memberships", ())) == "selected_memberships"


def test_type_and_risk() -> None:
    assert [token_type(t) for t in (CI_READER, SERVICE, DEPLOY, JIRA)] == [
        "fine_grained",
        "fine_grained",
        "legacy",
        "legacy",
    ]
    assert token_risk(CI_READER) is ScopeRisk.READ  # its permissions, not "granular"
    assert token_risk(RELEASE) is ScopeRisk.WRITE  # create_release
    assert token_risk(SERVICE) is ScopeRisk.WRITE  # unseen permissions: assume the worst
    assert token_risk(DEPLOY) is ScopeRisk.WRITE


def test_cells_mark_fine_grained_tokens_and_show_their_boundaries() -> None:
    rows = {row.token.name: row for row in build_rows(TOKENS, NOW)}
    reader = rows["ci reader"].cells
    assert reader[NAME] == "✦ ci reader"
    assert reader[SCOPES] == (
        "all_memberships(read_job,+2); project #6(read_deploy_token); "
        "group #12(read_resource_access_token)"
    )
    assert rows["release bot"].cells[SCOPES] == "! project #6(read_job,+1)"  # writes: marked
    assert rows["sa reader"].cells[SCOPES] == "! boundaries not listed"
    assert rows["ci deploy"].cells[NAME] == "ci deploy"  # legacy: as before
    assert rows["ci deploy"].cells[SCOPES] == "! api"
    assert all("granular" not in row.cells[SCOPES] for row in rows.values())


def test_a_name_sorts_without_its_mark() -> None:
    rows = build_rows(TOKENS, NOW)
    ordered = [row.token.name for row in apply_view(rows, View(sort=Column.NAME))]
    assert ordered == sorted(t.name for t in TOKENS)


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("fine-grained", FINE_GRAINED),
        ("granular", FINE_GRAINED),
        ("legacy", {"jira commits", "ci deploy", "group bot"}),
        ("read_pipeline", {"ci reader"}),  # a permission the cell's "+2" hides
        ("create_release", {"release bot"}),
        ("fine-grained project", {"ci reader", "release bot"}),
        ("legacy granular", set()),
    ],
)
def test_slash_finds_tokens_by_type_and_permission(query: str, names: set[str]) -> None:
    rows = build_rows(TOKENS, NOW)
    view = View(query=query)
    assert {row.token.name for row in apply_view(rows, view)} == names
    index = RowIndex(rows)
    for typed in range(1, len(query) + 1):  # as typed, keystroke by keystroke
        shown = index.apply(View(query=query[:typed]))
        assert shown == apply_view(rows, View(query=query[:typed]))
    assert {row.token.name for row in index.apply(view)} == names


def test_search_text_is_built_once_per_row() -> None:
    (row,) = build_rows([CI_READER], NOW)
    assert row.haystack is row.haystack  # computed on the first query, then kept
    assert "fine-grained granular" in row.haystack


def lines(token: Token, nearby: tuple[Token, ...] = ()) -> dict[str, str]:
    return dict(detail_lines(token, "https://gitlab.com", NOW, [token], nearby=nearby))


def test_details_list_every_boundary_with_its_permissions() -> None:
    shown = lines(CI_READER, TOKENS)
    assert shown["Kind"] == "personal, fine-grained"
    assert "Scopes" not in shown  # "granular" says nothing
    assert shown["Boundary 1"] == (
        "all_memberships (every group and project the owner is a member of): "
        "read_job, read_pipeline, read_deploy_token"
    )
    assert shown["Boundary 2"] == "project acme/api (#6): read_deploy_token"
    assert shown["Boundary 3"] == "group #12: read_resource_access_token"
    assert "beyond reading" not in shown["Risk"]  # read-only permissions...
    assert shown["Risk"] == "broad scope"  # ...but all_memberships: the audit rules' flag


def test_details_without_known_paths_show_ids() -> None:
    shown = lines(RELEASE)
    assert shown["Boundary"] == "project #6: read_job, create_release"
    assert "permissions beyond reading: create_release" in shown["Risk"]


def test_details_of_a_fine_grained_token_whose_listing_omits_its_boundaries() -> None:
    shown = lines(SERVICE)
    assert shown["Kind"] == "service_account, fine-grained"
    assert shown["Boundaries"].startswith("not listed here")
    assert "its permissions are not in this listing" in shown["Risk"]


def test_details_of_a_legacy_token_are_unchanged() -> None:
    shown = lines(DEPLOY)
    assert shown["Kind"] == "personal"
    assert shown["Scopes"] == "api"
    assert not any(label.startswith("Boundar") for label in shown)
    assert risk_flags(DEPLOY, NOW)[0] == "write scope: api"


def test_hostile_boundaries_are_shown_literally() -> None:
    odd = (GranularScope("user\x1b[2J", ("read_\x07job",)),)
    shown = lines(replace(CI_READER, granular_scopes=odd))
    assert shown["Boundary"] == "user\\x1b[2J: read_\\x07job"
    (row,) = build_rows([replace(CI_READER, granular_scopes=odd)], NOW)
    assert "\x1b" not in row.cells[SCOPES]
    assert "\x1b" not in row.haystack

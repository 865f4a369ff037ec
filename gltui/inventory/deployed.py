"""Where is it deployed? Scan the CI/CD variables a user manages for GitLab tokens.

Opt-in, never automatic (``gltui scan-deployed``, the dashboard's ``D`` after a
confirmation), because it touches tokens: each token-shaped value found is identified
by asking GitLab *with* it, ``GET /personal_access_tokens/self`` (any scope, PAT-type
tokens only: ``gitlab-token-api.md`` §1.1), and that request updates the token's
last-used time (and last-used IP) like any other use. It never calls a rotate endpoint
with a value, so GitLab's reuse detection (which revokes a token family when a revoked
token's own secret calls ``…/rotate``, §1.3) cannot trigger.

What it reads, per instance, through the instance's one guarded transport and within the
walk's bounds (:mod:`gltui.inventory.crawl`: concurrency, pages, rows, deadline):

* the projects where the user is Maintainer or more and the groups they own
  (``min_access_level`` 40 and 50: project variables need Maintainer, group variables
  Owner, ``project_level_variables.md`` / ``group_level_variables.md``), within the
  instance's configured ``groups``/``projects`` scope;
* each one's variables, every page (``GET /projects/:id/variables``,
  ``GET /groups/:id/variables``). A 403 there means "not yours to manage" (a group
  maintainer, an administrator setting): counted, never reported as a problem; a 404
  (deleted meanwhile) likewise.

Each value is searched for token-shaped parts (:data:`~gltui.domain.redact.TOKEN_SHAPED`:
a bare token, or one inside a URL or a config file). A ``glpat-`` one (personal,
impersonation, project, group, service-account) is asked about once per scan however
many variables hold it (a keyed digest, its key random per scan, is all that is kept of
it while the scan runs); other kinds cannot describe themselves and are "unidentified
kind". A hidden variable (``masked_and_hidden``, 17.4+) has ``value: null``: "hidden,
cannot be checked". A value is never displayed, logged, stored or put in a message: it
arrives sealed (:func:`~gltui.adapters.variable_rows.sealed`) and is dropped after the
question. What is kept is :class:`~gltui.domain.deployed.Deployment`: instance, token
key, variable place, key and scope, when seen.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import partial
from typing import Any

from gltui.adapters import parse
from gltui.adapters.port import Connect, GitLabPort, Listed, Listing
from gltui.adapters.wire import ApiFailure
from gltui.domain.access import AccessLevel
from gltui.domain.deployed import Deployment, VariablePlace
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.redact import TOKEN_SHAPED
from gltui.domain.replaced import Because, Succession
from gltui.domain.secret import Secret
from gltui.domain.token_shape import ShapeKind, shape_of
from gltui.domain.tokens import Resource, ResourceType
from gltui.inventory.connect import api_for
from gltui.inventory.crawl import Crawl, CrawlLimits, InstanceUnavailable, Rows
from gltui.inventory.probe import identify
from gltui.inventory.spec import InstanceSpec

MAINTAINER, OWNER = int(AccessLevel.MAINTAINER), int(AccessLevel.OWNER)
SCAN_CHARS = 64 * 1024
"""Characters of one value searched for tokens (a kubeconfig is a few KiB)."""
PARTS_PER_VALUE = 8
"""Token-shaped parts of one value looked at (more is not a credential, it is a dump)."""
MAX_LOOKUPS = 5_000
"""Distinct values one instance's scan asks GitLab about."""
PAT_FAMILY = "personal_access_token"
"""The id family of every ``glpat-`` token (:attr:`~gltui.domain.tokens.Token.identity`)."""
QUIET = frozenset({FailureKind.FORBIDDEN, FailureKind.NOT_FOUND})
"""A variables listing refused this way is "not yours to manage", not a problem (a
fine-grained token refused a permission is one: the message names it)."""
TOUCHES_LAST_USED = (
    "Each token found in a variable is identified by asking GitLab with it "
    "(GET /personal_access_tokens/self), which updates that token's last-used time. "
    "Values are never shown or stored."
)


class Finding(StrEnum):
    """What became of one token-shaped value (or a hidden variable)."""

    LINKED = "linked"
    """GitLab named the token: linked to its row."""
    HIDDEN = "hidden"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNKNOWN = "unknown"
    """GitLab knows no such token (a stale or mistyped copy)."""
    OTHER_KIND = "other kind"
    """Not a PAT-type token: it cannot describe itself."""
    FAILED = "failed"
    """Asking failed (the network, a server error); the next scan asks again."""


@dataclass(frozen=True)
class VariableFinding:
    """One variable and what its value turned out to hold (never the value)."""

    place: VariablePlace
    finding: Finding
    shape: str = ""
    """What the value's form says (``deploy token``), for the kinds that cannot be asked."""
    token_key: str | None = None
    token_id: int | None = None
    token_name: str | None = None
    owner_id: int | None = None
    detail: str = ""
    """A server's words for a failure, already scrubbed by the client."""

    def describe(self) -> str:
        """What the scan says of it (plain text; the caller escapes it)."""
        where = self.place.describe()
        if self.finding is Finding.LINKED:
            return f'{where}: token #{self.token_id} "{self.token_name}" (linked to its row)'
        return f"{where}: {_SAID[self.finding].format(shape=self.shape, detail=self.detail)}"


_SAID = {
    Finding.HIDDEN: "hidden, cannot be checked",
    Finding.REVOKED: "a revoked token (GitLab does not say which); replace the value",
    Finding.EXPIRED: "an expired token (GitLab does not say which); replace the value",
    Finding.UNKNOWN: "unidentified: GitLab knows no such token (a stale copy?)",
    Finding.OTHER_KIND: "unidentified kind ({shape}: it cannot describe itself)",
    Finding.FAILED: "not identified ({detail}); scan again later",
}


@dataclass
class InstanceScan:
    """One instance's scan: what it found and what it read."""

    instance: str
    scanned_at: datetime
    findings: list[VariableFinding] = field(default_factory=list)
    projects: int = 0
    groups: int = 0
    not_yours: int = 0
    """Projects and groups whose variables GitLab would not list (403/404): quiet."""
    variables: int = 0
    lookups: int = 0
    """Values asked about (each such token's last-used time was updated)."""
    problems: list[str] = field(default_factory=list)
    failure: Failure | None = None
    gitlab_links: list[Succession] = field(default_factory=list)
    """Rotation links GitLab showed (``previous_personal_access_token_id``), if any."""

    @property
    def ok(self) -> bool:
        """Whether the instance could be scanned at all."""
        return self.failure is None

    def deployments(self) -> list[Deployment]:
        """The variables holding a token GitLab named: what is stored."""
        return [
            Deployment(self.instance, found.token_key, found.place, self.scanned_at)
            for found in self.findings
            if found.finding is Finding.LINKED and found.token_key is not None
        ]


@dataclass(frozen=True)
class Answer:
    """What GitLab said of one value."""

    finding: Finding
    token_id: int | None = None
    name: str | None = None
    owner_id: int | None = None
    previous_id: int | None = None
    detail: str = ""


def ask(port: GitLabPort, value: Secret) -> Answer:
    """Ask GitLab which token ``value`` is; never raises (a revoked token's 401 must not
    end the scan as the walk's own token being revoked would)."""
    try:
        data = port.describe_by_value(value)
    except ApiFailure as error:
        kind = error.failure.kind
        if kind is FailureKind.TOKEN_REVOKED:
            return Answer(Finding.REVOKED)
        if kind is FailureKind.TOKEN_EXPIRED:
            return Answer(Finding.EXPIRED)
        if kind is FailureKind.BAD_TOKEN:
            return Answer(Finding.UNKNOWN)
        return Answer(Finding.FAILED, detail=error.failure.message)
    token_id = data.get("id")
    if not isinstance(token_id, int) or isinstance(token_id, bool):
        return Answer(Finding.FAILED, detail="GitLab's answer named no token")
    name = data.get("name")
    owner = data.get("user_id")
    return Answer(
        Finding.LINKED,
        token_id,
        name if isinstance(name, str) else "",
        owner if isinstance(owner, int) and not isinstance(owner, bool) else None,
        parse.previous_token_id(data),
    )


def _ask_with(value: Secret, port: GitLabPort) -> Answer:
    return ask(port, value)


def token_parts(value: Secret) -> list[Secret]:
    """The token-shaped parts of ``value`` (the whole of it, usually), each sealed."""
    text = value.reveal()[:SCAN_CHARS]
    parts = []
    for match in TOKEN_SHAPED.finditer(text):
        part = match.group(0).rstrip(".")  # a sentence's full stop is never a token's
        if part and Secret(part) not in parts:
            parts.append(Secret(part))
        if len(parts) >= PARTS_PER_VALUE:
            break
    return parts


class _Scan:
    """One instance's scan on a :class:`Crawl` (every callback on its coordinator)."""

    def __init__(self, spec: InstanceSpec, crawl: Crawl, result: InstanceScan) -> None:
        self.spec = spec
        self.crawl = crawl
        self.result = result
        self._key = os.urandom(32)
        """The digests' key: random per scan, so a digest means nothing after it."""
        self._waiting: dict[bytes, list[VariablePlace]] = {}
        self._answers: dict[bytes, Answer] = {}

    def start(self) -> None:
        for resource_type, level, words in (
            (ResourceType.PROJECT, MAINTAINER, "listing the projects you maintain"),
            (ResourceType.GROUP, OWNER, "listing the groups you own"),
        ):
            what = Listed.PROJECTS if resource_type is ResourceType.PROJECT else Listed.GROUPS
            self.crawl.list_all(
                Listing(what, words, min_access_level=level),
                on_rows=partial(self._places, resource_type),
                on_error=partial(self._problem, words),
            )

    def _problem(self, what: str, failure: Failure) -> None:
        self.result.problems.append(f"{what}: {failure.message}")

    def _places(self, resource_type: ResourceType, rows: Rows) -> None:
        field_name = "path_with_namespace" if resource_type is ResourceType.PROJECT else "full_path"
        for row in rows:
            ident, path = row.get("id"), row.get(field_name)
            if not isinstance(ident, int) or not isinstance(path, str) or isinstance(ident, bool):
                continue
            if not self.spec.in_scope(path):
                continue
            if resource_type is ResourceType.PROJECT:
                self.result.projects += 1
            else:
                self.result.groups += 1
            resource = Resource(resource_type, ident, path)
            self.crawl.list_all(
                Listing(
                    Listed.CI_VARIABLES,
                    f"listing the CI/CD variables of {resource_type.value} {path}",
                    resource=resource,
                ),
                on_rows=partial(self._variables, resource_type, ident, path),
                on_error=self._refused,
            )

    def _refused(self, failure: Failure) -> None:
        if failure.kind in QUIET:
            self.result.not_yours += 1
        else:
            self.result.problems.append(failure.message)

    def _variables(self, kind: ResourceType, ident: int, path: str, rows: Rows) -> None:
        for row in rows:
            key = row.get("key")
            if not isinstance(key, str):
                continue
            self.result.variables += 1
            scope = row.get("environment_scope")
            place = VariablePlace(kind, ident, path, key, scope if isinstance(scope, str) else "*")
            value = row.get("value")
            if not isinstance(value, Secret):
                if row.get("hidden") is True:
                    self.result.findings.append(VariableFinding(place, Finding.HIDDEN))
                continue
            for part in token_parts(value):
                self._look_up(place, part)

    def _look_up(self, place: VariablePlace, part: Secret) -> None:
        shape = shape_of(part)
        if shape.kind is not ShapeKind.PAT_TYPE:
            finding = VariableFinding(place, Finding.OTHER_KIND, shape.kind.value)
            self.result.findings.append(finding)
            return
        digest = hmac.new(self._key, part.reveal().encode(), hashlib.sha256).digest()
        if digest in self._answers:
            self._found(place, self._answers[digest])
            return
        if digest in self._waiting:
            self._waiting[digest].append(place)
            return
        if self.result.lookups >= MAX_LOOKUPS:
            said = f"more than {MAX_LOOKUPS} distinct token values: the rest were not asked about"
            if said not in self.result.problems:
                self.result.problems.append(said)
            return
        self.result.lookups += 1
        self._waiting[digest] = [place]
        self.crawl.call(
            partial(_ask_with, part),
            then=partial(self._answered, digest),
            on_error=partial(self._failed, digest),
        )

    def _failed(self, digest: bytes, failure: Failure) -> None:
        self._answered(digest, Answer(Finding.FAILED, detail=failure.message))

    def _answered(self, digest: bytes, answer: Answer) -> None:
        self._answers[digest] = answer
        for place in self._waiting.pop(digest, []):
            self._found(place, answer)
        if answer.finding is Finding.LINKED and answer.previous_id is not None:
            self.result.gitlab_links.append(
                Succession(
                    self.spec.name,
                    f"{PAT_FAMILY}:{answer.previous_id}",
                    f"{PAT_FAMILY}:{answer.token_id}",
                    Because.GITLAB,
                )
            )

    def _found(self, place: VariablePlace, answer: Answer) -> None:
        key = f"{PAT_FAMILY}:{answer.token_id}" if answer.finding is Finding.LINKED else None
        self.result.findings.append(
            VariableFinding(
                place,
                answer.finding,
                ShapeKind.PAT_TYPE.value,
                key,
                answer.token_id,
                answer.name,
                answer.owner_id,
                answer.detail,
            )
        )


def scan_instance(spec: InstanceSpec, now: datetime, *, connect: Connect = api_for) -> InstanceScan:
    """Scan one instance's CI/CD variables; never raises for GitLab or network trouble
    (the failure is in the result)."""
    result = InstanceScan(spec.name, now)
    if spec.token_problem is not None:
        result.failure = Failure(FailureKind.NO_TOKEN, spec.token_problem)
        return result
    api = connect(spec, gated=True)
    try:
        _run(spec, api, result)
    except Exception as error:  # an odd answer costs this instance's scan, not the run
        result.failure = Failure(
            FailureKind.BAD_RESPONSE,
            f"gltui could not read this instance's answers ({type(error).__name__})",
        )
    finally:
        api.close()
    result.findings.sort(key=_order)
    return result


def _run(spec: InstanceSpec, api: GitLabPort, result: InstanceScan) -> None:
    try:
        identify(api)  # who: a dead token fails here, once, with GitLab's guidance
    except ApiFailure as error:
        result.failure = error.failure
        return
    crawl = Crawl(api, spec.concurrency, None, CrawlLimits(walk_seconds=spec.walk_timeout))
    try:
        _Scan(spec, crawl, result).start()
        crawl.run()
    except InstanceUnavailable as error:
        result.failure = error.failure
    finally:
        crawl.close()


def _order(found: VariableFinding) -> tuple[Any, ...]:
    place = found.place
    return (place.resource_type.value, place.path, place.key, place.environment_scope)


def scan_all(
    specs: list[InstanceSpec],
    now: datetime,
    *,
    connect: Connect = api_for,
    on_instance: Callable[[InstanceScan], None] | None = None,
) -> list[InstanceScan]:
    """Every instance's scan, one after the other (each is concurrent inside)."""
    scans = []
    for spec in specs:
        scan = scan_instance(spec, now, connect=connect)
        scans.append(scan)
        if on_instance is not None:
            on_instance(scan)
    return scans

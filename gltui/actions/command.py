"""``gltui revoke`` and ``gltui create``: the dashboard's actions, for scripts.

stdout carries only the result (and, for ``create``, the new token's value, once);
everything for people goes to stderr. Exit codes: 0 done, 1 GitLab refused or
failed, 2 bad usage or a confirmation missing, 3 (create) the user must finish
in GitLab's prefilled web form, whose address is printed.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TextIO

from gltui.actions.service import ActionError, Issued, TokenActions
from gltui.adapters.endpoints import NotPossible, create_path, parse_version
from gltui.adapters.wire import ApiFailure
from gltui.domain.display import owner_label, printable, printable_said
from gltui.domain.errors import ValidationError
from gltui.domain.templates import Template, personal_token_form_url, render_template
from gltui.domain.tokens import Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import Identity
from gltui.inventory.spec import InstanceSpec

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_USE_THE_FORM = 3
CONFIRM_WORD = "revoke"


def _sign_in(spec: InstanceSpec) -> Identity:
    from gltui.inventory.connect import api_for
    from gltui.inventory.probe import identify

    api = api_for(spec)
    try:
        return replace(identify(api), version=api.version())
    finally:
        api.close()


def _token_json(token: Token) -> dict[str, object]:
    return {
        "instance": token.instance,
        "kind": token.kind.value,
        "id": token.id,
        "name": token.name,
        "where": owner_label(token),
        "scopes": list(token.scopes),
        "expires_at": None if token.expires_at is None else token.expires_at.isoformat(),
    }


def run_revoke(
    spec: InstanceSpec,
    *,
    now: datetime,
    ids: Sequence[int],
    names: Sequence[str],
    kind: TokenKind | None,
    yes: bool,
    including_own: bool,
    as_json: bool,
    out: TextIO,
    err: TextIO,
    ask: TextIO | None,
) -> int:
    """Find the tokens (by id and/or exact name) on ``spec``'s instance and revoke them.

    Without ``yes``, a terminal (``ask``) must answer with the word ``revoke``; the token
    gltui signs in with is never revoked without ``including_own``.
    """
    from gltui.inventory.walk import walk_instance

    secrets = (spec.token.reveal(),)
    inventory = walk_instance(spec, now)
    if not inventory.ok:
        assert inventory.failure is not None
        failure = inventory.failure  # it may quote GitLab: escaped and scrubbed
        said = printable_said(f"{failure.message}. {failure.advice}", secrets)
        err.write(f"gltui revoke: {said}\n")
        return EXIT_FAILED
    wanted = [
        token
        for token in inventory.tokens
        if (token.id in ids or token.name in names) and (kind is None or token.kind is kind)
    ]
    if not wanted:
        err.write("gltui revoke: no token on this instance matches; `gltui report` lists them\n")
        return EXIT_FAILED
    own = inventory.own_token.identity if inventory.own_token else None
    if own in {t.identity for t in wanted} and not including_own:
        err.write(
            "gltui revoke: that includes the token gltui signs in with; add --including-own "
            "if you mean it (gltui then loses access to this instance)\n"
        )
        return EXIT_USAGE
    for token in wanted:
        err.write(
            f"  {token.kind.value} {printable(token.name)} (#{token.id}) in "
            f"{printable(owner_label(token))}\n"
        )
    if not yes:
        if ask is None:
            err.write("gltui revoke: not a terminal; add --yes to revoke without asking\n")
            return EXIT_USAGE
        err.write(f"Revocation cannot be undone. Type {CONFIRM_WORD} to revoke these: ")
        err.flush()
        if ask.readline().strip().lower() != CONFIRM_WORD:
            err.write("gltui revoke: not confirmed; nothing revoked\n")
            return EXIT_USAGE
    actions = TokenActions(spec, inventory.identity)
    try:
        outcomes = [actions.revoke(token) for token in wanted]
    finally:
        actions.close()
    if as_json:
        rows = [{**_token_json(o.token), "ok": o.ok, "result": o.message} for o in outcomes]
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
    else:
        for outcome in outcomes:
            mark = "revoked" if outcome.ok else "FAILED"
            out.write(
                f"{mark}\t{outcome.token.kind.value}\t{outcome.token.id}\t"
                f"{printable(outcome.token.name)}\t{printable_said(outcome.message, secrets)}\n"
            )
    return EXIT_OK if all(outcome.ok for outcome in outcomes) else EXIT_FAILED


def run_create(
    spec: InstanceSpec,
    template: Template,
    *,
    today: date,
    kind: TokenKind | None,
    project: str | None,
    group: str | None,
    name: str | None,
    expires_at: date | None,
    role: str | None,
    as_json: bool,
    out: TextIO,
    err: TextIO,
) -> int:
    """Create a token from ``template``; its value goes to stdout, once."""
    chosen = kind or (
        TokenKind.PROJECT
        if project and TokenKind.PROJECT in template.kinds
        else TokenKind.GROUP
        if group and TokenKind.GROUP in template.kinds
        else template.kinds[0]
    )
    secrets = (spec.token.reveal(),)

    def said(text: str) -> str:  # GitLab's words (or words about them): never raw
        return printable_said(text, secrets)

    try:
        template.variant_for(chosen)  # a kind the template does not suit: say so before any call
    except ValidationError as error:
        err.write(f"gltui create: {said(error.field)}: {said(error.message)}\n")
        return EXIT_USAGE
    try:
        identity = _sign_in(spec)
    except ApiFailure as error:
        err.write(f"gltui create: {said(f'{error.failure.message}. {error.failure.advice}')}\n")
        return EXIT_FAILED
    actions = TokenActions(spec, identity)
    try:
        resource: Resource | None = None
        if chosen is not TokenKind.PERSONAL:
            if not (project or group):
                err.write(f"gltui create: a {chosen.value} token needs --project or --group\n")
                return EXIT_USAGE
            resource_type = ResourceType.PROJECT if project else ResourceType.GROUP
            resource = actions.find_resource(resource_type, str(project or group))
        request = render_template(
            template,
            chosen,
            today=today,
            is_admin=identity.is_admin,
            resource=resource,
            name=name,
            role=role,
            expires_at=expires_at,
        )
        try:
            create_path(request, user_id=identity.user_id, is_admin=identity.is_admin)
        except NotPossible as reason:
            if chosen is not TokenKind.PERSONAL:
                raise ActionError(str(reason)) from None
            version = parse_version(identity.version)
            url = personal_token_form_url(
                spec.url, request.name, request.scopes, legacy=bool(version and version < (16, 0))
            )
            err.write(f"gltui create: {said(str(reason))}:\n")
            out.write((json.dumps({"form_url": url}) if as_json else url) + "\n")
            return EXIT_USE_THE_FORM
        issued = actions.create(request)
    except ValidationError as error:
        err.write(f"gltui create: {said(error.field)}: {said(error.message)}\n")
        return EXIT_USAGE
    except ActionError as error:
        err.write(f"gltui create: {said(error.message)}\n")
        return EXIT_FAILED
    finally:
        actions.close()
    _print_issued(issued, as_json, out, err)
    return EXIT_OK


def _print_issued(issued: Issued, as_json: bool, out: TextIO, err: TextIO) -> None:
    """The one place a new token's value is printed (stdout, once)."""
    token = issued.token
    if as_json:
        document = {**_token_json(token), "token": issued.secret.reveal()}
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    else:
        err.write(
            f"created {token.kind.value} token {printable(token.name)} (#{token.id}) in "
            f"{printable(owner_label(token))}, expires {token.expires_at}; its value (shown "
            "once):\n"
        )
        # a real token is printable ASCII, so this is the value itself; a hostile
        # server's "value" with escapes in it must not reach the terminal raw
        out.write(printable(issued.secret.reveal()) + "\n")
    out.flush()

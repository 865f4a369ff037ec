"""``gltui revoke`` and ``gltui create``: the dashboard's actions, for scripts.

stdout carries only the result (and, for ``create``, the new token's value, once);
everything for people goes to stderr. Exit codes: 0 done, 1 GitLab refused or
failed, 2 bad usage or a confirmation missing, 3 (create) the user must finish
in GitLab's prefilled web form, whose address is printed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import TextIO

from gltui.actions.offers import revoke_unavailable
from gltui.actions.plan import Where, plan_create, prefers_fine_grained
from gltui.actions.service import ActionError, FineGrainedUnavailable, Issued, TokenActions
from gltui.adapters.wire import ApiFailure
from gltui.domain.display import describe, owner_label, printable, printable_said
from gltui.domain.errors import ValidationError
from gltui.domain.templates import CreateRequest, Template, render_template
from gltui.domain.tokens import Owner, Resource, ResourceType, Token, TokenKind
from gltui.inventory.model import Identity
from gltui.inventory.spec import InstanceSpec

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_USE_THE_FORM = 3
CONFIRM_WORD = "revoke"


def _sign_in(spec: InstanceSpec) -> Identity:
    from gltui.inventory.connect import api_for
    from gltui.inventory.probe import sign_in

    api = api_for(spec)
    try:
        return sign_in(api)
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
    refused = [(token, revoke_unavailable(token)) for token in wanted]
    for token, why in refused:
        if why is not None:  # asked for what gltui does not do: nothing is revoked
            err.write(f"gltui revoke: {describe(token)}: {why}\n")
    if any(why is not None for _, why in refused):
        return EXIT_USAGE
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
    fine_grained: bool | None = None,
    account: str | None = None,
) -> int:
    """Create a token from ``template``; its value goes to stdout, once.

    ``fine_grained``: ``True`` or ``False`` asks for that variant of a personal token;
    ``None`` takes the instance's default (:func:`~gltui.actions.plan.prefers_fine_grained`).
    A fine-grained token reaches ``project`` or ``group`` where its template selects
    memberships. ``account``: a service account's token is for this account of
    ``project`` or ``group`` (its username or id)."""
    chosen = kind or (
        TokenKind.PERSONAL  # fine-grained tokens are personal: --project is its reach
        if fine_grained
        else TokenKind.PROJECT
        if project and TokenKind.PROJECT in template.kinds
        else TokenKind.GROUP
        if group and TokenKind.GROUP in template.kinds
        else template.kinds[0]
    )
    secrets = (spec.token.reveal(),)

    def said(text: str) -> str:  # GitLab's words (or words about them): never raw
        return printable_said(text, secrets)

    if not template.suits(chosen):  # a kind the template does not suit: say so first
        error = _wrong_kind(template, chosen)
        err.write(f"gltui create: {said(error.field)}: {said(error.message)}\n")
        return EXIT_USAGE
    try:
        identity = _sign_in(spec)
    except ApiFailure as failure:
        err.write(f"gltui create: {said(f'{failure.failure.message}. {failure.failure.advice}')}\n")
        return EXIT_FAILED
    where = Where(spec.url, identity.user_id, identity.is_admin, identity.version)
    if fine_grained is None:
        fine_grained = prefers_fine_grained(template, chosen, where)
    actions = TokenActions(spec, identity)
    try:
        resource: Resource | None = None
        if project or group:
            resource_type = ResourceType.PROJECT if project else ResourceType.GROUP
            resource = actions.find_resource(resource_type, str(project or group))
        elif chosen is not TokenKind.PERSONAL:
            err.write(f"gltui create: a {chosen.value} token needs --project or --group\n")
            return EXIT_USAGE
        the_account: Owner | None = None
        if chosen is TokenKind.SERVICE_ACCOUNT:
            assert resource is not None  # checked just above
            the_account = _account(actions.service_accounts(resource), account, resource)

        def render(fine: bool) -> CreateRequest:
            personal = chosen is TokenKind.PERSONAL
            return render_template(
                template,
                chosen,
                today=today,
                is_admin=identity.is_admin,
                resource=None if personal else resource,
                name=name,
                role=role,
                expires_at=expires_at,
                fine_grained=fine,
                memberships=(resource,) if fine and resource is not None else (),
                account=the_account,
            )

        plan = plan_create(render(fine_grained), where)
        if plan.needs_legacy:  # asked for (or the only variant), on a version too old
            hint = (
                "--legacy makes a legacy token"
                if template.has_legacy(chosen)
                else f"template {template.id!r} has no legacy scopes"
            )
            raise ActionError(f"{plan.why}; {hint}")
        if plan.form_url is not None:
            return _use_the_form(plan.form_url, plan.why or "", as_json, out, err, said)
        if plan.path is None:
            raise ActionError(plan.why or "GitLab offers no way to create this token")
        try:
            issued = actions.create(plan.request)
        except FineGrainedUnavailable as unavailable:
            if chosen is not TokenKind.PERSONAL or not template.has_legacy(chosen):
                raise
            legacy = plan_create(render(False), where)
            if legacy.form_url is None:
                hint = "; add --legacy for a legacy token"
                raise ActionError(unavailable.message + hint) from None
            return _use_the_form(legacy.form_url, unavailable.message, as_json, out, err, said)
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


def _account(accounts: list[Owner], wanted: str | None, resource: Resource) -> Owner:
    """The service account ``wanted`` names (its username or id) among ``resource``'s."""
    where = resource.path or f"{resource.type.value} {resource.id}"
    known = ", ".join(f"{a.username} (#{a.user_id})" for a in accounts) or "none"
    if wanted is None:
        raise ValidationError(
            "account", f"a service account's token needs --account; {where} has: {known}"
        )
    for candidate in accounts:
        if wanted in (candidate.username, str(candidate.user_id)):
            return candidate
    raise ValidationError("account", f"{where} has no service account {wanted!r}; it has: {known}")


def _wrong_kind(template: Template, kind: TokenKind) -> ValidationError:
    try:
        template.variant_for(kind)
    except ValidationError as error:
        return error
    raise AssertionError("the template suits this kind")  # pragma: no cover


def _use_the_form(
    url: str, why: str, as_json: bool, out: TextIO, err: TextIO, said: Callable[[str], str]
) -> int:
    """Print GitLab's prefilled form (stdout) and why (stderr): the user finishes there."""
    err.write(f"gltui create: {said(why)}:\n")
    out.write((json.dumps({"form_url": url}) if as_json else url) + "\n")
    return EXIT_USE_THE_FORM


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

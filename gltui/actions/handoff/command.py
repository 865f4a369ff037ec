"""``gltui rotate`` and ``gltui replace``: the hand-off, for scripts and cron.

The token is chosen as ``gltui revoke`` chooses (``--id`` and/or exact ``--name``,
``--kind``), and must be exactly one working token. Its remembered targets (the
configuration's ``[[handoffs]]``) and those given with ``--target`` receive the new
value; ``--remember`` adds the given ones to the configuration. Both commands change
things at once (a rotation revokes the old token; a replacement revokes it at the end),
so a terminal must confirm with the word, or ``--yes`` be given.

stdout carries the result: one line per target, or one JSON object with ``--json``.
The new value is never printed unless ``--print-value`` asks for it, and then once:
alone on stdout in text mode (the target lines go to stderr, so ``TOKEN=$(...)`` is
safe), as ``"token"`` in JSON. Everything for people goes to stderr.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TextIO

from gltui.actions.handoff.flow import (
    HandoffFlow,
    HandoffRefused,
    HandoffResult,
    Mode,
    Outcome,
    handoff_refusal,
    resets,
)
from gltui.actions.handoff.targets import remember, remembered_targets
from gltui.actions.handoff.writers import Writers
from gltui.actions.pending import PendingReplacement, PendingStore
from gltui.actions.service import TokenActions
from gltui.config.model import DEFAULT_ROTATION_DAYS, ConfigError
from gltui.domain.changes import seen_key
from gltui.domain.display import owner_label, printable, printable_said
from gltui.domain.errors import ValidationError
from gltui.domain.handoff import (
    Handoff,
    Target,
    describe_target,
    merged,
    parse_target_spec,
)
from gltui.domain.redact import looks_like_token
from gltui.domain.tokens import Token, TokenKind
from gltui.inventory.spec import InstanceSpec

EXIT_DONE = 0
EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_TARGET_FAILED = 3
EXIT_NOT_VERIFIED = 4
EXIT_CODES = {
    Outcome.DONE: EXIT_DONE,
    Outcome.REFUSED: EXIT_REFUSED,
    Outcome.TARGET_FAILED: EXIT_TARGET_FAILED,
    Outcome.VERIFICATION_FAILED: EXIT_NOT_VERIFIED,
}


@dataclass(frozen=True)
class HandoffRequest:
    """What the command line asked for."""

    mode: Mode
    ids: Sequence[int] = ()
    names: Sequence[str] = ()
    kind: TokenKind | None = None
    target_specs: Sequence[str] = ()
    create_missing: bool = False
    remember: bool = False
    expires_at: date | None = None
    days: int | None = None
    yes: bool = False
    as_json: bool = False
    print_value: bool = False


def _token_json(token: Token) -> dict[str, object]:
    return {
        "instance": token.instance,
        "kind": token.kind.value,
        "id": token.id,
        "name": token.name,
        "where": owner_label(token),
        "expires_at": None if token.expires_at is None else token.expires_at.isoformat(),
        "revoked": token.revoked,
    }


def result_json(result: HandoffResult, *, with_value: bool) -> dict[str, object]:
    """The result as ``--json`` prints it (the value only when asked)."""
    document: dict[str, object] = {
        "mode": result.mode.value,
        "outcome": result.outcome.value,
        "message": result.message,
        "old": {**_token_json(result.old), "revoked": result.old_revoked},
        "new": None if result.new is None else _token_json(result.new),
        "expiry": result.lifetime,
        "signs_in": None
        if result.signs_in is None
        else {"verified": result.signs_in.verified, "note": result.signs_in.note},
        "old_revoked": result.old_revoked,
        "reset": result.reset,  # a runner's reset: the same id, its old value dead
        "old_kept": result.old_kept,
        "targets": [
            {
                "kind": target.kind,
                "where": target.where,
                "written": target.written,
                "verified": target.verified,
                "error": target.error,
                "note": target.note,
            }
            for target in result.targets
        ],
    }
    if with_value and result.secret is not None:
        document["token"] = result.secret.reveal()
    return document


def _choose(tokens: Sequence[Token], request: HandoffRequest) -> list[Token]:
    """The tokens the request names; working ones win over revoked ones of a name."""
    wanted = [
        token
        for token in tokens
        if (token.id in request.ids or token.name in request.names)
        and (request.kind is None or token.kind is request.kind)
    ]
    working = [token for token in wanted if not token.revoked]
    return working or wanted


class _Printer:
    """Writes every line through :func:`printable_said` with the known secrets."""

    def __init__(self, command: str, err: TextIO, secrets: tuple[str, ...]) -> None:
        self.command = command
        self.err = err
        self.secrets = secrets

    def said(self, text: str) -> str:
        return printable_said(text, self.secrets)

    def fail(self, text: str) -> None:
        self.err.write(f"{self.command}: {self.said(text)}\n")


def run_handoff(
    spec: InstanceSpec,
    request: HandoffRequest,
    *,
    now: datetime,
    handoffs: Sequence[Handoff] = (),
    rotation_days: int = DEFAULT_ROTATION_DAYS,
    config_path: Path | None = None,
    pending: PendingStore | None = None,
    environ: Mapping[str, str],
    home: Path,
    out: TextIO,
    err: TextIO,
    ask: TextIO | None,
) -> int:
    """Rotate or replace one token on ``spec``'s instance and hand its value over."""
    from gltui.inventory.connect import api_for
    from gltui.inventory.walk import walk_instance

    command = f"gltui {request.mode.value}"
    show = _Printer(command, err, (spec.token.reveal(),))
    given: list[Target] = []
    for text in request.target_specs:
        if looks_like_token(text):
            show.fail(
                "a --target looks like it holds a token; it was not used. Never put a "
                "secret on the command line (shell history and ps keep it): treat it as leaked"
            )
            return EXIT_USAGE
        try:
            given.append(parse_target_spec(text, create=request.create_missing))
        except ValidationError as error:
            show.fail(f"{error.field}: {error.message}")
            return EXIT_USAGE
    inventory = walk_instance(spec, now)
    if not inventory.ok:
        assert inventory.failure is not None
        show.fail(f"{inventory.failure.message}. {inventory.failure.advice}")
        return EXIT_REFUSED
    chosen = _choose(inventory.tokens, request)
    if not chosen:
        show.fail("no token on this instance matches; `gltui report` lists them")
        return EXIT_REFUSED
    if len(chosen) > 1:
        listed = ", ".join(f"#{t.id} {t.kind.value} {t.name!r}" for t in chosen[:10])
        show.fail(f"{len(chosen)} tokens match ({listed}); choose one with --id (and --kind)")
        return EXIT_USAGE
    token = chosen[0]
    own = inventory.own_token.identity if inventory.own_token else None
    if token.identity == own:
        show.fail(
            "that is the token gltui signs in with here; gltui does not hand off its own "
            "token (it would lose access mid-way): rotate it in GitLab and update gltui's "
            "token source"
        )
        return EXIT_USAGE
    version = inventory.identity.version if inventory.identity else None
    refusal = handoff_refusal(request.mode, token, version)
    if refusal is not None:  # before the targets and the question: nothing could be done
        show.fail(refusal)
        return EXIT_REFUSED
    deployed = []
    if pending is not None:  # the last deployed-token scan's findings live beside it
        from gltui.inventory.deployed_store import deployed_targets

        deployed = deployed_targets(token, pending.path.parent, pending.notices)
    remembered = remembered_targets(token, handoffs)
    targets = merged(remembered, deployed, given)
    if not targets and not request.print_value:
        show.fail(
            "no target to hand the new value to: give --target (or remember targets in "
            "the config's [[handoffs]]), or --print-value to print it"
        )
        return EXIT_USAGE
    verb = "reset the authentication token of" if resets(request.mode, token) else None
    err.write(
        f"{verb or request.mode.value} {token.kind.value} {show.said(token.name)} "
        f"(#{token.id}) in "
        f"{show.said(owner_label(token))}; the new value goes to:\n"
    )
    for target in targets:
        scanned = target in deployed and target not in remembered and target not in given
        found = " (found by gltui scan-deployed)" if scanned else ""
        err.write(f"  {show.said(describe_target(target))}{found}\n")
    if not targets:
        err.write("  (no target: it is printed once, on stdout)\n")
    if not request.yes and not _confirmed(request.mode, token, ask, err, show):
        return EXIT_USAGE
    actions = TokenActions(spec, inventory.identity)
    port = api_for(spec)
    try:
        flow = HandoffFlow(
            actions,
            port,
            Writers(port, token, spec.url, environ=environ, home=home),
            now.date(),
            rotation_days if request.days is None else request.days,
        )
        try:
            result = flow.run(request.mode, token, targets, request.expires_at)
        except HandoffRefused as refused:
            show.fail(refused.message)
            return EXIT_REFUSED
        except ValidationError as error:
            show.fail(f"{error.field}: {error.message}")
            return EXIT_USAGE
    finally:
        actions.close()
        port.close()
    if result.secret is not None:
        show.secrets = (*show.secrets, result.secret.reveal())
    _after(result, request, given, config_path, pending, now, show)
    _print(result, request, out, err, show)
    return EXIT_CODES[result.outcome]


def _confirmed(mode: Mode, token: Token, ask: TextIO | None, err: TextIO, show: _Printer) -> bool:
    if ask is None:
        show.fail(f"not a terminal; add --yes to {mode.value} without asking")
        return False
    what = (
        "GitLab resets the runner's authentication token at once: the old one stops "
        "working (the runner keeps its id)"
        if resets(mode, token)
        else "GitLab revokes the old token at once"
        if mode is Mode.ROTATE
        else "the old token is revoked once every target holds the new one"
    )
    err.write(f"{what}. Type {mode.value} to go on: ")
    err.flush()
    if ask.readline().strip().lower() != mode.value:
        show.fail("not confirmed; nothing changed")
        return False
    return True


def _after(
    result: HandoffResult,
    request: HandoffRequest,
    given: Sequence[Target],
    config_path: Path | None,
    pending: PendingStore | None,
    now: datetime,
    show: _Printer,
) -> None:
    """Remember the given targets that took the value, and a replacement left half-way."""
    if request.remember and config_path is not None:
        took = [r.target for r in result.targets if r.written and r.target in given]
        if took:
            try:
                remember(config_path, result.new or result.old, took)
            except (ConfigError, ValueError, OSError) as error:
                show.fail(f"could not remember the targets: {error}")
    if pending is not None and result.new is not None and not result.reset:
        # (a runner's reset keeps the runner: no token took another's place)
        from gltui.domain.replaced import Because
        from gltui.inventory.successions import record_succession

        old = result.old
        because = Because.ROTATED if result.mode is Mode.ROTATE else Because.REPLACED
        record_succession(
            pending.path.parent,
            old.instance,
            seen_key(old),
            seen_key(result.new),
            because,
            now,
            pending.notices,
        )
        if result.old_kept:
            new_key = seen_key(result.new)
            pending.add(PendingReplacement(old.instance, seen_key(old), old.name, new_key, now))
        else:
            pending.remove([(old.instance, seen_key(old))])


def _print(
    result: HandoffResult, request: HandoffRequest, out: TextIO, err: TextIO, show: _Printer
) -> None:
    """The result; the value (asked for) exactly once, on stdout."""
    value = result.secret.reveal() if request.print_value and result.secret else None
    if request.as_json:
        document = result_json(result, with_value=value is not None)
        out.write(json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    else:
        lines = err if value is not None else out  # the value alone on stdout
        for target in result.targets:
            mark = (
                "FAILED"
                if target.error
                else "MISMATCH"
                if target.verified is False
                else "ok"
                if target.verified
                else "unverified"
                if target.written
                else "skipped"
            )
            detail = target.error or target.note
            lines.write(f"{mark}\t{target.kind}\t{show.said(target.where)}\t{show.said(detail)}\n")
        if value is not None:
            out.write(printable(value) + "\n")
    err.write(f"{show.command}: {show.said(result.message)}\n")
    if result.lifetime:
        which = "new token" if result.reset else "successor"
        err.write(f"  {which} {show.said(result.lifetime)}\n")
    if result.signs_in is not None:
        err.write(f"  new token: {show.said(result.signs_in.note)}\n")
    if result.secret is not None and result.must_show_value and value is None:
        err.write(
            "  the new value was not printed (add --print-value to get it); "
            + (
                "the old token still works"
                if result.old_kept
                else "put a fixed target's value in by "
                + ("resetting" if result.reset else "rotating")
                + " again"
            )
            + "\n"
        )
    if result.old_kept:
        err.write(
            f"  the old token is remembered as a pending replacement: finish it in the "
            f"dashboard (p) or with gltui revoke --id {result.old.id}\n"
        )
    out.flush()

"""GitLab's refusals, said in plain words with what to change.

GitLab answers a missing role with 400, 401 or 403 depending on the endpoint, and
a user's mistake in a create request with a terse validation string. These
functions turn each into a sentence naming the role, scope or field to fix.
"""

from __future__ import annotations

from gltui.adapters.wire import is_missing_route
from gltui.domain.display import owner_label, printable
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import ResourceType, Token, TokenKind

_SCOPE = (
    "gltui's token for this instance cannot write (it lacks the api scope); "
    "give it api, or act in GitLab's web page"
)


def _role_needed(
    kind: TokenKind, where: str, verb: str, resource_type: ResourceType | None = None
) -> str:
    """``verb``: "Revoking", "Rotating" or "Creating"; ``resource_type``: where a
    service account's token lives (``None``: an instance service account's)."""
    base = {"Revoking": "revoke", "Rotating": "rotate", "Creating": "create"}[verb]
    if kind is TokenKind.SERVICE_ACCOUNT:
        if resource_type is ResourceType.GROUP:
            return f"{verb} a group service account's token needs the Owner role in {where}"
        if resource_type is ResourceType.PROJECT:
            return (
                f"{verb} a project service account's token needs the Maintainer or Owner "
                f"role in {where}"
            )
        return f"only administrators can {base} an instance service account's tokens"
    if kind is TokenKind.TRIGGER:
        return f"{verb} a pipeline trigger token needs the Maintainer role in {where}"
    if kind is TokenKind.CLUSTER_AGENT:
        return f"{verb} a cluster agent token needs the Maintainer role in {where}"
    if kind is TokenKind.RUNNER:
        return (
            "resetting a runner's token needs the Maintainer role in one of its projects "
            "(a group runner: Owner of its group; an instance runner: an administrator)"
        )
    if kind is TokenKind.PROJECT:
        return f"{verb} a project access token needs the Maintainer or Owner role in {where}"
    if kind is TokenKind.GROUP:
        return f"{verb} a group access token needs the Owner role in {where}"
    if kind is TokenKind.DEPLOY:
        return (
            f"{verb} a deploy token needs the Maintainer role in the project "
            f"(Owner in the group) {where}"
        )
    if kind is TokenKind.IMPERSONATION:
        return f"only administrators can {base} impersonation tokens"
    if verb == "Creating":
        return "only administrators can create personal access tokens through the API"
    return f"only the token's owner or an administrator can {base} it"


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:].rstrip(".") + "."


def _lacks_permission(failure: Failure, verb: str) -> str | None:
    """A refusal of gltui's own fine-grained token (403 ``insufficient_granular_scope``),
    with GitLab's sentence naming the permission; ``None`` for any other failure."""
    if failure.kind is not FailureKind.MISSING_PERMISSION:
        return None
    detail = printable(failure.message.split(": ", 1)[-1])
    return _sentence(
        f"gltui's token here is fine-grained and may not {verb} this: {detail}. "
        "gltui config check names the permissions it lacks for acting"
    )


def explain_revoke(failure: Failure, token: Token) -> str:
    """Why a revoke failed and what to do."""
    where = printable(owner_label(token))
    lacking = _lacks_permission(failure, "revoke")
    if lacking is not None:
        return lacking
    if failure.kind is FailureKind.MISSING_SCOPE:
        return _SCOPE
    if failure.kind in (FailureKind.TOKEN_EXPIRED, FailureKind.TOKEN_REVOKED):
        return f"gltui's own token for this instance: {failure.message}. {failure.advice}"
    if _refused_for_role(failure):
        return _sentence(_role_needed(token.kind, where, "Revoking", _type_of(token)))
    return _otherwise(failure)


def _type_of(token: Token) -> ResourceType | None:
    return token.resource.type if token.resource is not None else None


_PLACES = ("Project Not Found", "Group Not Found", "User Not Found", "ClusterAgents Not Found")
"""404s about where a token lives, not about the token (which would mean "already gone")."""


def explain_revoke_not_found(failure: Failure, token: Token, verb: str = "revoke") -> str | None:
    """A 404 to a revoke (or rotate: ``verb``) that does not mean "the token is gone"
    (``None``: it does): the endpoint does not exist on this GitLab, or the project,
    group or service account is not one gltui's user can see (GitLab answers 404, not
    403, for those)."""
    where = printable(owner_label(token))
    if is_missing_route(failure):
        return _sentence(
            f"this GitLab has no endpoint to {verb} {token.kind.value.replace('_', ' ')} "
            "tokens (too old for it, or the feature is off); do it in GitLab's web page"
        )
    if "User Not Found" in failure.message and token.kind is TokenKind.SERVICE_ACCOUNT:
        return _sentence(
            f"GitLab says the token's account is not a service account of {where} (any "
            "more); refresh with r"
        )
    if any(place in failure.message for place in _PLACES):
        return _sentence(f"GitLab answered 404 for {where}: you cannot see it, or it is gone")
    return None


def explain_accounts(failure: Failure, resource_type: ResourceType, where: str) -> str:
    """Why the service accounts of a group or project could not be listed."""
    lacking = _lacks_permission(failure, "list service accounts")
    if lacking is not None:
        return lacking
    if is_missing_route(failure):
        return _sentence(
            f"this GitLab has no service accounts for a {resource_type.value} (groups: 17.1+, "
            "projects: 18.11+; GitLab Premium or Ultimate)"
        )
    if failure.kind is FailureKind.MISSING_SCOPE:
        return _SCOPE
    if failure.status in (401, 403):
        role = "Owner" if resource_type is ResourceType.GROUP else "Maintainer or Owner"
        return _sentence(
            f"listing the service accounts of {printable(where)} needs the {role} role there"
        )
    if failure.kind is FailureKind.NOT_FOUND:
        return _sentence(f"GitLab answered 404 for {printable(where)}: you cannot see it")
    return _otherwise(failure)


def _refused_for_role(failure: Failure) -> bool:
    """GitLab says "no such role" as 401 or 403, or as a 400 naming the permission."""
    if failure.status in (401, 403):
        return True
    words = ("Not permitted", "permission", "cannot delete")
    return failure.status == 400 and any(word in failure.message for word in words)


def _otherwise(failure: Failure) -> str:
    if failure.status in (400, 422):  # Grape's and the service's refusals
        return f"GitLab refused: {printable(failure.message.split(': ', 1)[-1])}"
    return f"{failure.message}. {failure.advice}"


def explain_rotate(failure: Failure, token: Token) -> str:
    """Why a rotation failed and what to do."""
    if "already revoked" in failure.message:
        return "GitLab cannot rotate a revoked token; create a new one instead."
    lacking = _lacks_permission(failure, "rotate")
    if lacking is not None:
        return lacking
    if failure.kind is FailureKind.NOT_FOUND:
        said = explain_revoke_not_found(failure, token, "rotate")
        return said or "GitLab no longer has this token (revoked or deleted); refresh with r."
    if failure.kind is FailureKind.MISSING_SCOPE:
        return _SCOPE
    if _refused_for_role(failure):
        where = printable(owner_label(token))
        return _sentence(_role_needed(token.kind, where, "Rotating", _type_of(token)))
    return _otherwise(failure)


_CREATE_MISTAKES = (
    ("scopes does not have a valid value", "a scope is not valid for a {kind} token"),
    ("name is missing", "the token needs a name"),
    ("name is empty", "the token needs a name"),
    ("Name can't be blank", "the token needs a name"),
    ("Expires at must be before", "the expiry is beyond this instance's limit ({detail})"),
    ("expires_at", "the expiry date is not valid ({detail})"),
    (
        "Access level of the token contains permissions not held",
        "the role is higher than your own role there; choose a lower role",
    ),
    ("access_level does not have a valid value", "that role does not exist; choose another"),
    (
        "Access token limit reached",
        "GitLab's limit of access tokens is reached there; revoke unused ones first",
    ),
    ("Sudo can only be enabled for administrators", "only administrators may hold sudo"),
)


_FINE_GRAINED_MISTAKES = (
    (
        "does not have a valid value",
        "GitLab refused a permission or boundary of the fine-grained token: a permission it "
        "does not know, or one that boundary cannot hold ({detail})",
    ),
    ("is missing", "GitLab refused the fine-grained token: {detail}"),
    ("is invalid", "GitLab refused the fine-grained token: {detail}"),
    ("mutually exclusive", "GitLab refused the fine-grained token: {detail}"),
    ("granular scope", "GitLab refused the fine-grained token: {detail}"),
)
_OWN_FINE_GRAINED_REFUSED = (
    "gltui's own token is fine-grained and may not create this token ({detail}): it needs "
    "create_user_personal_access_token, and it cannot grant a permission it does not hold"
)


def _explain_fine_grained(failure: Failure, detail: str) -> str | None:
    """GitLab's refusal of a ``granular_scopes`` request, said plainly (``None``: not one)."""
    if failure.kind is FailureKind.MISSING_PERMISSION:
        return _sentence(_OWN_FINE_GRAINED_REFUSED.format(detail=printable(detail)))
    if failure.kind is FailureKind.NOT_FOUND:
        return _sentence(
            "GitLab answered 404: a project or group the token selects does not exist, or its "
            "owner is not a member of it (fine-grained tokens reach memberships only)"
        )
    if failure.status not in (400, 422):
        return None
    for needle, sentence in _FINE_GRAINED_MISTAKES:
        if needle in failure.message:
            return _sentence(sentence.format(detail=printable(detail)))
    return None


def explain_create(failure: Failure, request: CreateRequest) -> str:
    """Why a create failed: the user's mistake in plain words when it is one."""
    detail = failure.message.split(": ", 1)[-1]
    if request.is_fine_grained:
        said = _explain_fine_grained(failure, detail)
        if said is not None:
            return said
    lacking = _lacks_permission(failure, "create")
    if lacking is not None:
        return lacking
    for needle, sentence in _CREATE_MISTAKES:
        if needle in failure.message:
            return sentence.format(kind=request.kind.value, detail=printable(detail)).capitalize()
    if failure.kind is FailureKind.MISSING_SCOPE:
        return _SCOPE
    if _refused_for_role(failure):
        where = "-"
        if request.resource is not None:
            where = request.resource.path or (
                f"{'project' if request.resource.type is ResourceType.PROJECT else 'group'} "
                f"{request.resource.id}"
            )
        kind_of = request.resource.type if request.resource is not None else None
        return _sentence(_role_needed(request.kind, printable(where), "Creating", kind_of))
    return _otherwise(failure)

"""GitLab's refusals, said in plain words with what to change.

GitLab answers a missing role with 400, 401 or 403 depending on the endpoint, and
a user's mistake in a create request with a terse validation string. These
functions turn each into a sentence naming the role, scope or field to fix.
"""

from __future__ import annotations

from gltui.domain.display import owner_label, printable
from gltui.domain.failures import Failure, FailureKind
from gltui.domain.templates import CreateRequest
from gltui.domain.tokens import ResourceType, Token, TokenKind

_SCOPE = (
    "gltui's token for this instance cannot write (it lacks the api scope); "
    "give it api, or act in GitLab's web page"
)


def _role_needed(kind: TokenKind, where: str, verb: str) -> str:
    """``verb``: "Revoking", "Rotating" or "Creating"."""
    base = {"Revoking": "revoke", "Rotating": "rotate", "Creating": "create"}[verb]
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
    return text[:1].upper() + text[1:] + "."


def explain_revoke(failure: Failure, token: Token) -> str:
    """Why a revoke failed and what to do."""
    where = printable(owner_label(token))
    if failure.kind is FailureKind.MISSING_SCOPE:
        return _SCOPE
    if failure.kind in (FailureKind.TOKEN_EXPIRED, FailureKind.TOKEN_REVOKED):
        return f"gltui's own token for this instance: {failure.message}. {failure.advice}"
    if _refused_for_role(failure):
        return _sentence(_role_needed(token.kind, where, "Revoking"))
    return _otherwise(failure)


def _refused_for_role(failure: Failure) -> bool:
    """GitLab says "no such role" as 401 or 403, or as a 400 naming the permission."""
    if failure.status in (401, 403):
        return True
    words = ("Not permitted", "permission", "cannot delete")
    return failure.status == 400 and any(word in failure.message for word in words)


def _otherwise(failure: Failure) -> str:
    if failure.status == 400:
        return f"GitLab refused: {printable(failure.message.split(': ', 1)[-1])}"
    return f"{failure.message}. {failure.advice}"


def explain_rotate(failure: Failure, token: Token) -> str:
    """Why a rotation failed and what to do."""
    if "already revoked" in failure.message:
        return "GitLab cannot rotate a revoked token; create a new one instead."
    if failure.kind is FailureKind.NOT_FOUND:
        return "GitLab no longer has this token (revoked or deleted); refresh with r."
    if failure.kind is FailureKind.MISSING_SCOPE:
        return _SCOPE
    if _refused_for_role(failure):
        return _sentence(_role_needed(token.kind, printable(owner_label(token)), "Rotating"))
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


def explain_create(failure: Failure, request: CreateRequest) -> str:
    """Why a create failed: the user's mistake in plain words when it is one."""
    detail = failure.message.split(": ", 1)[-1]
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
        return _sentence(_role_needed(request.kind, printable(where), "Creating"))
    return _otherwise(failure)

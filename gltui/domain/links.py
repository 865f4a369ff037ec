"""The GitLab web page where a token lives (for the details pane and reports)."""

from __future__ import annotations

from urllib.parse import quote

from gltui.domain.tokens import ResourceType, Token, TokenKind


def token_page_url(instance_url: str, token: Token) -> str | None:
    """The settings page listing ``token`` on ``instance_url``, when it can be known."""
    base = instance_url.rstrip("/")
    resource = token.resource
    if token.kind is TokenKind.PERSONAL:
        return f"{base}/-/user_settings/personal_access_tokens"
    if token.kind is TokenKind.IMPERSONATION and token.owner and token.owner.username:
        return f"{base}/admin/users/{quote(token.owner.username)}/impersonation_tokens"
    if resource is None or not resource.path:
        return None
    path = quote(resource.path, safe="/")  # paths come from GitLab: never trust them raw
    prefix = f"{base}/{path}" if resource.type is ResourceType.PROJECT else f"{base}/groups/{path}"
    if token.kind is TokenKind.DEPLOY:
        return f"{prefix}/-/settings/repository#js-deploy-tokens"
    return f"{prefix}/-/settings/access_tokens"

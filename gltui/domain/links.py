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
    if token.kind is TokenKind.RUNNER and token.runner_type == "instance_type":
        return f"{base}/admin/runners/{token.id}"
    if resource is None or not resource.path:
        return None
    path = quote(resource.path, safe="/")  # paths come from GitLab: never trust them raw
    prefix = f"{base}/{path}" if resource.type is ResourceType.PROJECT else f"{base}/groups/{path}"
    return prefix + _SETTINGS.get(token.kind, "/-/settings/access_tokens")


_SETTINGS = {
    TokenKind.DEPLOY: "/-/settings/repository#js-deploy-tokens",
    TokenKind.TRIGGER: "/-/settings/ci_cd#js-pipeline-triggers",
    TokenKind.CLUSTER_AGENT: "/-/clusters",
    TokenKind.RUNNER: "/-/runners",
    TokenKind.SERVICE_ACCOUNT: "/-/settings/service_accounts",
}
"""Where each kind lives in a project's or group's pages (GitLab's routes: Settings >
CI/CD's triggers, Operate > Kubernetes clusters, the runners list; the service-accounts
settings page is UNCONFIRMED for projects). Other kinds: Settings > Access tokens."""

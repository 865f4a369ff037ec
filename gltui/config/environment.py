"""The zero-config instance from ``GITLAB_URL`` and ``GITLAB_TOKEN`` (glab's names)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from gltui.domain.errors import ValidationError
from gltui.domain.secret import Secret
from gltui.inventory.spec import InstanceSpec


def instance_from_environment(environ: Mapping[str, str]) -> InstanceSpec | None:
    """An instance named after the URL's host, or ``None`` when the variables are unset."""
    url = environ.get("GITLAB_URL", "").strip()
    token = environ.get("GITLAB_TOKEN", "").strip()
    if not url and not token:
        return None
    if not url or not token:
        missing = "GITLAB_URL" if not url else "GITLAB_TOKEN"
        raise ValidationError(missing, "is not set; set both GITLAB_URL and GITLAB_TOKEN")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValidationError("GITLAB_URL", f"{url!r} is not an http(s) URL")
    return InstanceSpec(name=parts.hostname or parts.netloc, url=url, token=Secret(token))

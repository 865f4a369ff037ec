"""``GET /application/settings``: the instance's settings, for administrators.

``lib/api/settings.rb`` (``authenticated_as_admin!``: 403 for everyone else). Only the
token-lifetime fields are served: ``max_personal_access_token_lifetime`` (days, or
``null`` when the administrator set no limit; an Ultimate setting, exposed by EE's
entity) and ``require_personal_access_token_expiry`` (17.3+). A lower limit, set by a
test through :attr:`~gltui.sandbox.store.Store.max_lifetime_days`, is also what create
and rotate enforce (``Expires at must be before ...``).
"""

from __future__ import annotations

from typing import Any

from gltui.sandbox import errors
from gltui.sandbox.api import Context, route


@route("GET", "application/settings")
def application_settings(context: Context) -> dict[str, Any]:
    if not context.caller.is_admin:
        raise errors.forbidden()
    settings: dict[str, Any] = {
        "max_personal_access_token_lifetime": context.store.max_lifetime_days,
    }
    if context.profile.at_least(17, 3):
        settings["require_personal_access_token_expiry"] = context.profile.requires_expiry
    return settings

"""A CI/CD variables listing's rows with every value sealed the moment it is read.

``GET /projects/:id/variables`` and ``GET /groups/:id/variables`` return each variable's
``value`` to whoever may manage them (masking hides a value in job logs, not in the API;
a hidden variable, 17.4+, answers ``"value": null``). Such a value may be a live token,
so it must not be scrubbed (the scan needs it to ask GitLab which token it is) and must
not stay a plain string anyone could print: :func:`sealed` wraps it in a
:class:`~gltui.domain.secret.Secret` (``None`` stays ``None``), and the caller drops it
once it has asked. Every other field was scrubbed by the client as usual.
"""

from __future__ import annotations

from typing import Any

from gltui.domain.secret import Secret

VALUE_CHARS = 1 << 20
"""A variable value longer than this is not read (GitLab's own cap on a value is far lower;
a file variable holding a kubeconfig is a few KiB)."""


def sealed(rows: Any) -> Any:
    """``rows`` with each row's ``value`` a :class:`Secret` or ``None`` (anything that
    is not a string, or longer than :data:`VALUE_CHARS`, becomes ``None``)."""
    if not isinstance(rows, list):
        return rows
    out = []
    for row in rows:
        if isinstance(row, dict):
            value = row.get("value")
            row = dict(row)
            row["value"] = (
                Secret(value) if isinstance(value, str) and len(value) <= VALUE_CHARS else None
            )
        out.append(row)
    return out

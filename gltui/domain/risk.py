"""How much harm one token can do, whatever its type: the number tables, reports and
metrics show as ``risk``.

A legacy token's risk is its riskiest scope's. A fine-grained token's scopes say only
``granular``, so its risk is its riskiest permission's (``read_*`` reads, any other
action writes: :func:`~gltui.domain.granular.granular_risk`). One whose listing left
its permissions out (GitLab's service-account listing) keeps the scope rule, which
assumes the worst of a scope it does not know: what gltui cannot see is not called
harmless.
"""

from __future__ import annotations

from gltui.domain.granular import granular_risk
from gltui.domain.scopes import ScopeRisk, highest_risk
from gltui.domain.tokens import Token


def token_risk(token: Token) -> ScopeRisk:
    """The token's highest risk (see the module docstring)."""
    if token.granular_scopes:
        return granular_risk(token.granular_scopes)
    return highest_risk(token.scopes)

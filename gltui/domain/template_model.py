"""The template model: a named least-privilege recipe and its per-kind variants.

Apart from :mod:`gltui.domain.templates` (the built-ins and rendering) so that the
config loader (:mod:`gltui.domain.template_config`) builds on the model without an
import cycle; ``templates`` re-exports every name.
"""

from __future__ import annotations

from dataclasses import dataclass

from gltui.domain.access import AccessLevel
from gltui.domain.errors import ValidationError
from gltui.domain.granular import FineGrainedForm
from gltui.domain.tokens import TokenKind

DEFAULT_MAX_LIFETIME_DAYS = 365
"""GitLab's default maximum token lifetime; instances may lower it (or raise it to 400)."""


@dataclass(frozen=True, slots=True)
class TemplateVariant:
    """The settings a template uses for some of the kinds it suits."""

    kinds: frozenset[TokenKind]
    scopes: tuple[str, ...]
    lifetime_days: int
    access_level: AccessLevel | None = None


@dataclass(frozen=True, slots=True)
class Template:
    """A named least-privilege recipe for tokens of one or more kinds."""

    id: str
    title: str
    variants: tuple[TemplateVariant, ...]
    description: str = ""
    read_only: bool = False
    """A read-only integration: write scopes are refused, even as overrides."""
    builtin: bool = True
    fine_grained: FineGrainedForm | None = None
    """The fine-grained personal token the template makes on GitLab 19.2+ (``None``:
    legacy scopes only). A template with no legacy variant makes fine-grained tokens only."""

    @property
    def kinds(self) -> tuple[TokenKind, ...]:
        """Every kind the template suits, in a stable order."""
        return tuple(
            kind
            for kind in TokenKind
            if any(kind in v.kinds for v in self.variants)
            or (kind is TokenKind.PERSONAL and self.fine_grained is not None)
        )

    def suits(self, kind: TokenKind) -> bool:
        """Whether a ``kind`` token can be made from the template: one of its
        :attr:`kinds`, or a service account's token from its personal scopes."""
        return kind in self.kinds or self.has_legacy(kind)

    def has_legacy(self, kind: TokenKind) -> bool:
        """Whether the template gives legacy scopes for ``kind`` (a service account's
        token takes a personal variant's: it is a personal access token of that account)."""
        return self._legacy(kind) is not None

    def _legacy(self, kind: TokenKind) -> TemplateVariant | None:
        for wanted in (kind, TokenKind.PERSONAL) if kind is TokenKind.SERVICE_ACCOUNT else (kind,):
            for variant in self.variants:
                if wanted in variant.kinds:
                    return variant
        return None

    def variant_for(self, kind: TokenKind) -> TemplateVariant:
        """The settings for ``kind``, or a validation error naming the kinds it suits."""
        variant = self._legacy(kind)
        if variant is not None:
            return variant
        suits = ", ".join(self.kinds)
        if kind in self.kinds:  # only the fine-grained form suits it
            raise ValidationError(
                "type", f"template {self.id!r} makes fine-grained {kind} tokens only"
            )
        raise ValidationError(
            "kind", f"template {self.id!r} is for {suits} tokens, not {kind} tokens"
        )

"""Errors the domain raises when input cannot be turned into a valid request."""

from __future__ import annotations


class DomainError(Exception):
    """Base class for every error the domain raises on bad input."""


class ValidationError(DomainError):
    """Input that GitLab would refuse, caught before any request is made.

    ``field`` names what is wrong (``scopes``, ``expires_at``, ``role`` ...) so a
    form or a config loader can point at it; the message says how to fix it.
    """

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

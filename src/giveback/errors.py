"""Domain errors: what services raise when a rule says no.

Services know nothing of HTTP; ``giveback.web.errors`` turns each kind into its status code.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused the operation; nothing was changed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """A value breaks a rule: ``field`` names it, the message states the rule."""


class NotFound(DomainError):
    """The record does not exist, or the caller may not know that it does."""


class Conflict(DomainError):
    """The record is not in a state that allows the operation (or a duplicate exists)."""


class Gone(DomainError):
    """The link or record was good once and is not any more: replaced by a newer one, or expired."""


class NotAuthenticated(DomainError):
    """The operation needs a signed-in person."""


class PermissionDenied(DomainError):
    """The signed-in person's roles do not allow the operation."""


class Unavailable(DomainError):
    """Something the operation needs is not installed or not reachable here (a system library); nothing changed."""


class TooManyAttempts(DomainError):
    """Too many attempts in a short time; try again later."""

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds

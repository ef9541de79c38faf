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
    """Values break rules: ``field`` names the first, the message states its rule; ``problems`` maps every broken
    field to its message (a form shows them all at once)."""

    def __init__(self, message: str, *, field: str | None = None, problems: dict[str, str] | None = None) -> None:
        super().__init__(message, field=field)
        self.problems = problems or {field or "form": message}


class Problems:
    """Collects the rules a submission breaks, one message per field, to refuse them together.

    ``add`` keeps a field's first message; ``refuse`` raises one ``InvalidInput`` with all of them (nothing if none).
    """

    def __init__(self) -> None:
        self.by_field: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self.by_field.setdefault(field, message)

    def __contains__(self, field: str) -> bool:
        return field in self.by_field

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def refuse(self) -> None:
        if self.by_field:
            field, message = next(iter(self.by_field.items()))
            raise InvalidInput(message, field=field, problems=dict(self.by_field))


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

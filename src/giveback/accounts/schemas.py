"""What the account endpoints read and return."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from giveback.text import Name

EmailAddress = Annotated[
    str, msgspec.Meta(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="An e-mail address")
]
NewPassword = Annotated[
    str,
    msgspec.Meta(
        min_length=12,
        max_length=200,
        description="At least 12 characters, and not easy to guess (checked against common passwords and your name)",
    ),
]
PersonName = Annotated[Name, msgspec.Meta(min_length=1, max_length=200)]
Token = Annotated[str, msgspec.Meta(min_length=16, max_length=200)]
Code = Annotated[
    str,
    msgspec.Meta(min_length=6, max_length=40, description="6 digits from the authenticator app, or a recovery code"),
]
SelfServiceRole = Literal["volunteer", "host"]
Role = Literal["volunteer", "host", "coordinator", "admin"]
ROLES: tuple[Role, ...] = ("volunteer", "host", "coordinator", "admin")


class SignUp(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailAddress
    name: PersonName
    password: NewPassword
    roles: Annotated[list[SelfServiceRole], msgspec.Meta(min_length=1)] = msgspec.field(
        default_factory=lambda: ["volunteer"]
    )


class LogIn(msgspec.Struct, forbid_unknown_fields=True):
    email: Annotated[str, msgspec.Meta(max_length=320)]
    password: Annotated[str, msgspec.Meta(max_length=200)]


class EmailOnly(msgspec.Struct, forbid_unknown_fields=True):
    email: EmailAddress


class EmailConfirmation(msgspec.Struct, forbid_unknown_fields=True):
    token: Token


class PasswordReset(msgspec.Struct, forbid_unknown_fields=True):
    token: Token
    password: NewPassword


class PasswordChange(msgspec.Struct, forbid_unknown_fields=True):
    current_password: Annotated[str, msgspec.Meta(max_length=200)]
    new_password: NewPassword


class RoleChange(msgspec.Struct, forbid_unknown_fields=True):
    roles: list[Role]


class PersonOut(msgspec.Struct, kw_only=True):
    id: int
    email: str
    name: str
    roles: list[str]
    email_confirmed: bool
    two_factor: bool
    """Two-factor log-in is on."""


class SessionOut(msgspec.Struct, kw_only=True):
    """The signed-in person and the token that state-changing calls must send as ``X-CSRF-Token``."""

    person: PersonOut
    csrf_token: str
    withheld_roles: list[str] = msgspec.field(default_factory=list)
    """Roles (coordinator, admin) this session does not have until two-factor log-in is set up."""


class SecondFactorNeeded(msgspec.Struct, kw_only=True):
    """The password was right; send a code to ``POST /api/auth/login/second-factor`` (the cookie holds the log-in)."""

    second_factor_required: bool = True
    detail: str = "enter the 6-digit code from your authenticator app, or a recovery code"


class CodeIn(msgspec.Struct, forbid_unknown_fields=True):
    code: Code


class RecoveryCodesOut(msgspec.Struct, kw_only=True):
    """Single-use codes that stand in for the authenticator app: shown once, keep them somewhere safe."""

    recovery_codes: list[str]


class TwoFactorEnabled(msgspec.Struct, kw_only=True):
    recovery_codes: list[str]
    session: SessionOut
    """The fresh session (every role) that replaces this one; its cookie is set."""


class Message(msgspec.Struct):
    detail: str


ApiTokenScope = Literal["read", "write"]
ApiTokenKind = Literal["personal", "service"]


class ApiTokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new API token: what it is for, what it may do, and for how long."""

    name: Annotated[
        Name,
        msgspec.Meta(
            min_length=1, max_length=100, description="What the token is for", examples=["weekly trips report"]
        ),
    ]
    scope: Annotated[
        ApiTokenScope, msgspec.Meta(description="``read``: GET only; ``write``: also change what you may change")
    ] = "read"
    expires_in_days: (
        Annotated[int, msgspec.Meta(ge=1, le=366, description="Days until it stops working; null: until revoked")]
        | None
    ) = 90
    kind: Annotated[
        ApiTokenKind,
        msgspec.Meta(description="``personal``, or ``service`` for an integration every admin sees (admins only)"),
    ] = "personal"


class ApiTokenOut(msgspec.Struct, kw_only=True):
    """An API token as its lists show it: never its secret, only its first characters."""

    id: int
    name: str
    kind: ApiTokenKind
    scope: ApiTokenScope
    prefix: str
    """The token's first characters (``gb_`` and six more), to tell tokens apart."""
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    owner: str = ""
    """The name of the person it acts for."""


class ApiTokenCreated(msgspec.Struct, kw_only=True):
    """A token just made. ``bearer_token`` is shown this once: send it as ``Authorization: Bearer <bearer_token>``."""

    token: ApiTokenOut
    bearer_token: str

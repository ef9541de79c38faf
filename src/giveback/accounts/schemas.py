"""What the account endpoints read and return."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from giveback.text import Name

EmailAddress = Annotated[
    str, msgspec.Meta(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="An e-mail address")
]
NewPassword = Annotated[str, msgspec.Meta(min_length=12, max_length=200, description="At least 12 characters")]
PersonName = Annotated[Name, msgspec.Meta(min_length=1, max_length=200)]
Token = Annotated[str, msgspec.Meta(min_length=16, max_length=200)]
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


class SessionOut(msgspec.Struct, kw_only=True):
    """The signed-in person and the token that state-changing calls must send as ``X-CSRF-Token``."""

    person: PersonOut
    csrf_token: str


class Message(msgspec.Struct):
    detail: str

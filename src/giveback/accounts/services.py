"""Accounts: sign-up with e-mail confirmation, log-in with throttling, password reset and change, roles."""

from __future__ import annotations

import secrets
from datetime import timedelta

from giveback.accounts.passwords import hash_password, verify_password
from giveback.accounts.schemas import PersonOut, Role, SignUp
from giveback.accounts.sessions import end_all_sessions, hash_token, now, start_session
from giveback.accounts.tables import AccountToken, AuditEvent, LoginThrottle, Person, RoleGrant
from giveback.db.engine import locked, write_transaction
from giveback.errors import (
    Conflict,
    InvalidInput,
    NotAuthenticated,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)
from giveback.mail.service import Mailer

CONFIRMATION_LIFETIME = timedelta(days=2)
RESET_LIFETIME = timedelta(hours=1)
THROTTLE_WINDOW = timedelta(minutes=15)
THROTTLE_MAX_FAILURES = 5
THROTTLE_BLOCK = timedelta(minutes=15)
WRONG_CREDENTIALS = "the e-mail address or the password is wrong"


def normalize_email(email: str) -> str:
    return email.strip().lower()


async def person_out(person_id: int) -> PersonOut:
    row = await Person.select().where((Person.id == person_id) & Person.deleted_at.is_null()).first()
    if row is None:
        raise NotFound(f"no person {person_id}", field="person_id")
    roles = await RoleGrant.select(RoleGrant.role).where(RoleGrant.person == person_id).order_by(RoleGrant.role)
    return PersonOut(
        id=row["id"],
        email=row["email"],
        name=row["name"],
        roles=[r["role"] for r in roles],
        email_confirmed=row["email_confirmed_at"] is not None,
    )


async def _issue_token(person_id: int, purpose: str, lifetime: timedelta) -> str:
    raw = secrets.token_urlsafe(32)
    await AccountToken.insert(
        AccountToken(token_hash=hash_token(raw), person=person_id, purpose=purpose, expires_at=now() + lifetime)
    )
    return raw


async def _consume_token(raw: str, purpose: str) -> int:
    """Mark a valid token used and return its person; a used, expired or unknown token is refused."""
    row = (
        await AccountToken.select()
        .where((AccountToken.token_hash == hash_token(raw)) & (AccountToken.purpose == purpose))
        .first()
    )
    if row is None or row["used_at"] is not None or row["expires_at"] <= now():
        raise InvalidInput("this link is invalid, used or expired; ask for a new one", field="token")
    claimed = (
        await AccountToken.update({AccountToken.used_at: now()})
        .where((AccountToken.id == row["id"]) & AccountToken.used_at.is_null())
        .returning(AccountToken.id)
    )
    if not claimed:
        raise InvalidInput("this link is invalid, used or expired; ask for a new one", field="token")
    return int(row["person"])


async def audit(actor: int | None, action: str, subject_type: str, subject_id: int | None, **details: object) -> None:
    await AuditEvent.insert(
        AuditEvent(actor=actor, action=action, subject_type=subject_type, subject_id=subject_id, details=details)
    )


async def sign_up(data: SignUp, *, mailer: Mailer, base_url: str) -> PersonOut:
    """Create an unconfirmed account with the chosen roles and e-mail a confirmation link."""
    email = normalize_email(data.email)
    password_hash = await hash_password(data.password)
    async with write_transaction(Person._meta.db):
        if await Person.exists().where(Person.email == email):
            raise Conflict("an account with this e-mail address exists; log in or reset the password", field="email")
        person = (await Person.insert(Person(email=email, name=data.name.strip(), password_hash=password_hash)))[0]
        person_id = int(person["id"])
        await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in sorted(set(data.roles))])
        token = await _issue_token(person_id, "confirm", CONFIRMATION_LIFETIME)
        await audit(person_id, "account.signed_up", "person", person_id, roles=sorted(set(data.roles)))
    await _send_confirmation(mailer, email, data.name, token, base_url)
    return await person_out(person_id)


async def _send_confirmation(mailer: Mailer, email: str, name: str, token: str, base_url: str) -> None:
    await mailer.send(
        to=email,
        subject="Confirm your Giveback account",
        body=(
            f"Hello {name},\n\nconfirm your e-mail address to start using Giveback:\n\n"
            f"{base_url}/confirm?token={token}\n\nThe link works once and expires in two days.\n"
        ),
    )


async def create_confirmed_person(data: SignUp, roles: list[str]) -> int:
    """Create an account whose address needs no confirmation (the command line's ``user create``)."""
    email = normalize_email(data.email)
    password_hash = await hash_password(data.password)
    async with write_transaction(Person._meta.db):
        if await Person.exists().where(Person.email == email):
            raise Conflict("an account with this e-mail address exists", field="email")
        person = await Person.insert(
            Person(email=email, name=data.name.strip(), password_hash=password_hash, email_confirmed_at=now())
        )
        person_id = int(person[0]["id"])
        await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in sorted(set(roles))])
        await audit(None, "account.created_by_command", "person", person_id, roles=sorted(set(roles)))
    return person_id


async def resend_confirmation(email: str, *, mailer: Mailer, base_url: str) -> None:
    """E-mail a new confirmation link to an unconfirmed account; say nothing about others."""
    row = (
        await Person.select(Person.id, Person.name)
        .where(
            (Person.email == normalize_email(email)) & Person.email_confirmed_at.is_null() & Person.deleted_at.is_null()
        )
        .first()
    )
    if row is None:
        return
    token = await _issue_token(row["id"], "confirm", CONFIRMATION_LIFETIME)
    await _send_confirmation(mailer, normalize_email(email), row["name"], token, base_url)


async def confirm_email(token: str) -> PersonOut:
    async with write_transaction(Person._meta.db):
        person_id = await _consume_token(token, "confirm")
        await Person.update({Person.email_confirmed_at: now()}).where(Person.id == person_id)
        await audit(person_id, "account.email_confirmed", "person", person_id)
    return await person_out(person_id)


async def _record_failure(email: str) -> None:
    """Count a failed log-in for the address; block it for a while after too many in the window."""
    async with write_transaction(LoginThrottle._meta.db):
        row = await locked(LoginThrottle.select().where(LoginThrottle.email == email)).first()
        moment = now()
        if row is None:
            await LoginThrottle.insert(LoginThrottle(email=email, failures=1, first_failure_at=moment))
            return
        failures = 1 if row["first_failure_at"] + THROTTLE_WINDOW <= moment else row["failures"] + 1
        first = moment if failures == 1 else row["first_failure_at"]
        blocked = moment + THROTTLE_BLOCK if failures >= THROTTLE_MAX_FAILURES else None
        await LoginThrottle.update(
            {
                LoginThrottle.failures: failures,
                LoginThrottle.first_failure_at: first,
                LoginThrottle.blocked_until: blocked,
            }
        ).where(LoginThrottle.id == row["id"])


async def _refuse_if_blocked(email: str) -> None:
    row = await LoginThrottle.select(LoginThrottle.blocked_until).where(LoginThrottle.email == email).first()
    if row and row["blocked_until"] and row["blocked_until"] > now():
        seconds = int((row["blocked_until"] - now()).total_seconds()) + 1
        raise TooManyAttempts("too many failed log-ins for this address; try again later", retry_after_seconds=seconds)


async def log_in(email: str, password: str) -> tuple[str, PersonOut]:
    """Check the password and open a session with a fresh id; returns the raw session id."""
    email = normalize_email(email)
    await _refuse_if_blocked(email)
    row = (
        await Person.select(Person.id, Person.password_hash, Person.email_confirmed_at, Person.disabled_at)
        .where((Person.email == email) & Person.deleted_at.is_null())
        .first()
    )
    if not await verify_password(row["password_hash"] if row else None, password) or row is None:
        await _record_failure(email)
        await _refuse_if_blocked(email)
        raise NotAuthenticated(WRONG_CREDENTIALS, field="password")
    if row["email_confirmed_at"] is None:
        raise PermissionDenied("confirm your e-mail address first: we sent you a link", field="email")
    if row["disabled_at"] is not None:
        raise PermissionDenied("this account is disabled; ask the program's coordinators", field="email")
    await LoginThrottle.delete().where(LoginThrottle.email == email)
    raw_session = await start_session(row["id"])
    await audit(row["id"], "account.logged_in", "person", row["id"])
    return raw_session, await person_out(row["id"])


async def request_password_reset(email: str, *, mailer: Mailer, base_url: str) -> None:
    """E-mail a single-use reset link if the address has an account; the answer is the same either way."""
    row = (
        await Person.select(Person.id, Person.name)
        .where((Person.email == normalize_email(email)) & Person.deleted_at.is_null())
        .first()
    )
    if row is None:
        return
    token = await _issue_token(row["id"], "reset", RESET_LIFETIME)
    await mailer.send(
        to=normalize_email(email),
        subject="Reset your Giveback password",
        body=(
            f"Hello {row['name']},\n\nchoose a new password here:\n\n{base_url}/reset-password?token={token}\n\n"
            "The link works once and expires in one hour. If you did not ask for it, ignore this message.\n"
        ),
    )


async def reset_password(token: str, password: str) -> None:
    """Set a new password from an e-mailed link, and sign the person out everywhere.

    The link proves the address, so an unconfirmed one (an account an import made, claimed here) is confirmed.
    """
    password_hash = await hash_password(password)
    async with write_transaction(Person._meta.db):
        person_id = await _consume_token(token, "reset")
        await Person.update({Person.password_hash: password_hash}).where(Person.id == person_id)
        await Person.update({Person.email_confirmed_at: now()}).where(
            (Person.id == person_id) & Person.email_confirmed_at.is_null()
        )
        email = (await Person.select(Person.email).where(Person.id == person_id).first() or {}).get("email", "")
        await LoginThrottle.delete().where(LoginThrottle.email == email)
        await end_all_sessions(person_id)
        await audit(person_id, "account.password_reset", "person", person_id)


async def change_password(person_id: int, current: str, new: str) -> str:
    """Replace the password after checking the current one; other sessions end, this one gets a new id."""
    row = await Person.select(Person.password_hash).where(Person.id == person_id).first()
    if row is None or not await verify_password(row["password_hash"], current):
        raise InvalidInput("the current password is wrong", field="current_password")
    password_hash = await hash_password(new)
    async with write_transaction(Person._meta.db):
        await Person.update({Person.password_hash: password_hash}).where(Person.id == person_id)
        await end_all_sessions(person_id)
        await audit(person_id, "account.password_changed", "person", person_id)
    return await start_session(person_id)


async def set_roles(actor_id: int | None, person_id: int, roles: list[Role]) -> PersonOut:
    """An admin sets a person's roles; the person's sessions end so the next log-in gets a fresh id."""
    async with write_transaction(Person._meta.db):
        if not await Person.exists().where((Person.id == person_id) & Person.deleted_at.is_null()):
            raise NotFound(f"no person {person_id}", field="person_id")
        if actor_id == person_id and "admin" not in roles:
            raise InvalidInput("an admin cannot remove their own admin role", field="roles")
        await RoleGrant.delete().where(RoleGrant.person == person_id)
        if roles:
            await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in sorted(set(roles))])
        await end_all_sessions(person_id)
        await audit(actor_id, "account.roles_changed", "person", person_id, roles=sorted(set(roles)))
    return await person_out(person_id)


async def set_locale(person_id: int, locale: str | None) -> None:
    """Save the interface language the person chose (None: follow the browser's)."""
    await Person.update({Person.locale: locale}).where(Person.id == person_id)


async def list_people(*, role: str | None = None) -> list[PersonOut]:
    query = Person.select(Person.id).where(Person.deleted_at.is_null()).order_by(Person.name)
    if role:
        query = query.where(Person.id.is_in(RoleGrant.select(RoleGrant.person).where(RoleGrant.role == role)))
    return [await person_out(row["id"]) for row in await query]

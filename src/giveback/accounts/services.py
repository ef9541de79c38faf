"""Accounts: sign-up with e-mail confirmation, log-in (throttled, with a second factor), password reset and change,
roles.

Nothing answered without a session tells whether an address has an account: sign-up, "resend the confirmation"
and "reset my password" answer the same either way, after the same work (the owner of an existing account gets a
notice instead of a new account), and e-mails asked for are limited per address and per client (``throttle``).
Those e-mails hold no text a stranger typed. They are queued in the mail outbox with the change that sends them
and sent right after the answer; a mail server that is down loses none: the worker sends them when it is back.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import structlog

from giveback.accounts import api_tokens, throttle, two_factor
from giveback.accounts.audit import audit
from giveback.accounts.passwords import check_strength, hash_password, verify_password
from giveback.accounts.schemas import PersonOut, Role, SignUp
from giveback.accounts.sessions import end_all_sessions, hash_token, now, start_session
from giveback.accounts.tables import AccountToken, Person, RoleGrant
from giveback.db.engine import write_transaction
from giveback.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, PermissionDenied
from giveback.i18n import DEFAULT_LOCALE, LOCALES, current_locale
from giveback.mail.outbox import Recipient, queue_templated
from giveback.settings import Settings

log = structlog.get_logger()

__all__ = ["audit"]  # other domains write the audit log through ``accounts.services.audit``

CONFIRMATION_LIFETIME = timedelta(days=2)
RESET_LIFETIME = timedelta(hours=1)
WRONG_CREDENTIALS = "the e-mail address or the password is wrong"
INVALID_LINK = "this link is invalid, used, replaced by a newer one or expired; ask for a new one"


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
        two_factor=await two_factor.is_enabled(person_id),
    )


async def _issue_token(person_id: int, purpose: str, lifetime: timedelta) -> str:
    """A new single-use link token; the person's older unused tokens of the same purpose stop working."""
    raw = secrets.token_urlsafe(32)
    await _retire_tokens(person_id, purpose)
    await AccountToken.insert(
        AccountToken(token_hash=hash_token(raw), person=person_id, purpose=purpose, expires_at=now() + lifetime)
    )
    return raw


async def _retire_tokens(person_id: int, purpose: str) -> None:
    await AccountToken.update({AccountToken.used_at: now()}).where(
        (AccountToken.person == person_id) & (AccountToken.purpose == purpose) & AccountToken.used_at.is_null()
    )


async def _consume_token(raw: str, purpose: str) -> int:
    """Mark a valid token used and return its person; a used, superseded, expired or unknown token is refused.
    Every other unused token of the person for the same purpose is used up with it."""
    row = (
        await AccountToken.select()
        .where((AccountToken.token_hash == hash_token(raw)) & (AccountToken.purpose == purpose))
        .first()
    )
    if row is None or row["used_at"] is not None or row["expires_at"] <= now():
        raise InvalidInput(INVALID_LINK, field="token")
    claimed = (
        await AccountToken.update({AccountToken.used_at: now()})
        .where((AccountToken.id == row["id"]) & AccountToken.used_at.is_null())
        .returning(AccountToken.id)
    )
    if not claimed:
        raise InvalidInput(INVALID_LINK, field="token")
    await _retire_tokens(int(row["person"]), purpose)
    return int(row["person"])


# --- e-mails sent without a session: no text a stranger typed ---------------------------------------------------
# Queued in the outbox inside the change's transaction; the caller sends them right after its answer
# (``giveback.mail.sender.send_now``), and the worker retries any the mail server did not take.


async def _queue(settings: Settings, email: str, message_name: str, kind: str, **values: str) -> list[str]:
    """An account mail made from its template, in the language of the page it was asked from; it names nobody
    (the address may not be the asker's)."""
    reader = Recipient(name="", email=email, locale=current_locale())
    return await queue_templated(settings=settings, message_name=message_name, to=[reader], values=values, kind=kind)


async def _queue_confirmation(settings: Settings, email: str, token: str) -> list[str]:
    link = f"{_base(settings)}/confirm?token={token}"
    return await _queue(settings, email, "account-confirm", "confirmation", link=link)


async def _queue_existing_account_notice(settings: Settings, email: str) -> list[str]:
    base = _base(settings)
    links = {"login_link": f"{base}/login", "reset_link": f"{base}/forgot-password"}
    return await _queue(settings, email, "account-exists", "account-notice", **links)


async def _queue_reset(settings: Settings, email: str, token: str) -> list[str]:
    link = f"{_base(settings)}/reset-password?token={token}"
    return await _queue(settings, email, "account-reset", "reset", link=link)


def _base(settings: Settings) -> str:
    return settings.base_url.rstrip("/")


def _page_locale() -> str | None:
    """The language of the sign-up page, saved as the new account's (its e-mails are written in it); None for
    English, which is also what a person without a choice reads."""
    locale = current_locale()
    return locale if locale in LOCALES and locale != DEFAULT_LOCALE else None


# --- sign-up and confirmation ----------------------------------------------------------------------------------


async def sign_up(data: SignUp, *, settings: Settings, client: str) -> list[str]:
    """Sign up with the chosen roles; the answer is the same whether or not the address has an account. Returns
    the Message-IDs of the e-mail queued (send them after the answer).

    A new address gets an unconfirmed account and a confirmation link. An address that has an account (confirmed
    or not) gets a notice instead, and the account is left alone: its owner logs in, asks for the confirmation
    again, or chooses a new password (a reset link also confirms the address, so an account someone else started
    with this address ends up with its owner's password)."""
    email = normalize_email(data.email)
    await check_strength(data.password, email=email, name=data.name)
    password_hash = await hash_password(data.password)
    roles = sorted(set(data.roles))
    async with write_transaction(Person._meta.db):
        await throttle.allow_mail(email, client, "sign-up")
        existing = await Person.select(Person.id).where(Person.email == email).first()
        if existing is not None:
            await audit(None, "account.sign_up_for_existing_account", "person", existing["id"], client=client)
            return await _queue_existing_account_notice(settings, email)
        person = Person(email=email, name=data.name.strip(), password_hash=password_hash, locale=_page_locale())
        inserted = await Person.insert(person)
        person_id = int(inserted[0]["id"])
        await RoleGrant.insert(*[RoleGrant(person=person_id, role=role) for role in roles])
        token = await _issue_token(person_id, "confirm", CONFIRMATION_LIFETIME)
        await audit(person_id, "account.signed_up", "person", person_id, roles=roles, client=client)
        return await _queue_confirmation(settings, email, token)


async def create_confirmed_person(data: SignUp, roles: list[str]) -> int:
    """Create an account whose address needs no confirmation (the command line's ``user create``)."""
    email = normalize_email(data.email)
    await check_strength(data.password, email=email, name=data.name)
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


async def resend_confirmation(email: str, *, settings: Settings, client: str) -> list[str]:
    """E-mail a new confirmation link to an unconfirmed account; say nothing about others. Returns the
    Message-IDs queued (none for other addresses)."""
    email = normalize_email(email)
    async with write_transaction(Person._meta.db):
        await throttle.allow_mail(email, client, "confirm")
        row = await (
            Person.select(Person.id)
            .where((Person.email == email) & Person.email_confirmed_at.is_null() & Person.deleted_at.is_null())
            .first()
        )
        if row is None:
            return []
        token = await _issue_token(row["id"], "confirm", CONFIRMATION_LIFETIME)
        return await _queue_confirmation(settings, email, token)


async def confirm_email(token: str) -> PersonOut:
    async with write_transaction(Person._meta.db):
        person_id = await _consume_token(token, "confirm")
        await Person.update({Person.email_confirmed_at: now()}).where(Person.id == person_id)
        await audit(person_id, "account.email_confirmed", "person", person_id)
    return await person_out(person_id)


# --- log-in ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogInOutcome:
    """A log-in whose password was right: a session, or a challenge waiting for the second factor."""

    person_id: int
    session: str | None = None
    """The raw id of the new session (the cookie's value)."""
    challenge: str | None = None
    """The raw id of the log-in challenge, when the account has two-factor log-in."""
    device_cookie: str | None = None
    """A trusted-device cookie for a browser that had none for this account."""


async def log_in(email: str, password: str, *, client: str, device_cookie: str | None, secret_key: str) -> LogInOutcome:
    """Check the password (throttled per account and client, or per trusted device) and open a session with a
    fresh id, or a challenge for the second factor."""
    email = normalize_email(email)
    device_id = throttle.trusted_device(secret_key, email, device_cookie)
    buckets = throttle.login_buckets(email, client, device_id)
    await throttle.refuse_if_blocked(buckets)
    row = (
        await Person.select(Person.id, Person.password_hash, Person.email_confirmed_at, Person.disabled_at)
        .where((Person.email == email) & Person.deleted_at.is_null())
        .first()
    )
    if not await verify_password(row["password_hash"] if row else None, password) or row is None:
        blocked = await throttle.record_failure(buckets)
        subject = int(row["id"]) if row else None
        await audit(None, "account.login_failed", "person", subject, reason="password", client=client, blocked=blocked)
        await throttle.refuse_if_blocked(buckets)
        raise NotAuthenticated(WRONG_CREDENTIALS, field="password")
    person_id = int(row["id"])
    if row["email_confirmed_at"] is None:
        raise PermissionDenied("confirm your e-mail address first: we sent you a link", field="email")
    if row["disabled_at"] is not None:
        raise PermissionDenied("this account is disabled; ask the program's coordinators", field="email")
    await throttle.forget_failures(buckets[0])
    new_device = None if device_id else throttle.new_device_cookie(secret_key, email)
    if await two_factor.is_enabled(person_id):
        return LogInOutcome(person_id, challenge=await two_factor.start_challenge(person_id), device_cookie=new_device)
    setup_only = await two_factor.requires_second_factor(person_id)
    raw_session = await start_session(person_id, setup_only=setup_only)
    await audit(person_id, "account.logged_in", "person", person_id, client=client, second_factor=False)
    return LogInOutcome(person_id, session=raw_session, device_cookie=new_device)


async def finish_log_in(raw_challenge: str | None, code: str, *, client: str) -> str:
    """The second step: a code from the authenticator app or a recovery code; returns the raw session id."""
    challenge_id, person_id = await two_factor.challenge_person(raw_challenge)
    bucket = throttle.second_factor_bucket(person_id)
    await throttle.refuse_if_blocked([bucket])
    if not await two_factor.check_code(person_id, code):
        await two_factor.count_wrong_code(challenge_id)
        blocked = await throttle.record_failure([bucket])
        await audit(
            None, "account.login_failed", "person", person_id, reason="second_factor", client=client, blocked=blocked
        )
        await throttle.refuse_if_blocked([bucket])
        raise NotAuthenticated(two_factor.WRONG_CODE, field="code")
    await two_factor.end_challenge(challenge_id)
    await throttle.forget_failures(bucket)
    raw_session = await start_session(person_id)
    await audit(person_id, "account.logged_in", "person", person_id, client=client, second_factor=True)
    return raw_session


# --- passwords -------------------------------------------------------------------------------------------------


async def request_password_reset(email: str, *, settings: Settings, client: str) -> list[str]:
    """E-mail a single-use reset link if the address has an account; the answer is the same either way. Returns
    the Message-IDs queued (none for an address without an account)."""
    email = normalize_email(email)
    async with write_transaction(Person._meta.db):
        await throttle.allow_mail(email, client, "reset")
        row = await Person.select(Person.id).where((Person.email == email) & Person.deleted_at.is_null()).first()
        if row is None:
            return []
        token = await _issue_token(row["id"], "reset", RESET_LIFETIME)
        return await _queue_reset(settings, email, token)


async def reset_password(token: str, password: str) -> None:
    """Set a new password from an e-mailed link (which also confirms the address), and sign the person out
    everywhere; every other reset link of theirs stops working."""
    row = await AccountToken.select(AccountToken.person).where(AccountToken.token_hash == hash_token(token)).first()
    person = await Person.select(Person.email, Person.name).where(Person.id == (row or {}).get("person", 0)).first()
    if person is not None:
        await check_strength(password, email=person["email"], name=person["name"])
    password_hash = await hash_password(password)
    async with write_transaction(Person._meta.db):
        person_id = await _consume_token(token, "reset")
        await Person.update({Person.password_hash: password_hash}).where(Person.id == person_id)
        await Person.update({Person.email_confirmed_at: now()}).where(
            (Person.id == person_id) & Person.email_confirmed_at.is_null()
        )
        await end_all_sessions(person_id)
        await audit(person_id, "account.password_reset", "person", person_id)


async def change_password(person_id: int, current: str, new: str, *, setup_only: bool) -> str:
    """Replace the password after checking the current one; other sessions end, this one gets a new id (with the
    same standing as before: a session waiting for a second factor still waits)."""
    row = await Person.select(Person.password_hash, Person.email, Person.name).where(Person.id == person_id).first()
    if row is None or not await verify_password(row["password_hash"], current):
        raise InvalidInput("the current password is wrong", field="current_password")
    await check_strength(new, email=row["email"], name=row["name"])
    password_hash = await hash_password(new)
    async with write_transaction(Person._meta.db):
        await Person.update({Person.password_hash: password_hash}).where(Person.id == person_id)
        await _retire_tokens(person_id, "reset")
        await end_all_sessions(person_id)
        await audit(person_id, "account.password_changed", "person", person_id)
    return await start_session(person_id, setup_only=setup_only)


# --- roles and two-factor --------------------------------------------------------------------------------------


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


async def enable_two_factor(person_id: int, code: str) -> tuple[list[str], str]:
    """Confirm the authenticator with a first code: returns the recovery codes (shown once) and a fresh session
    (with every role: the other sessions ended)."""
    codes = await two_factor.enable(person_id, code)
    return codes, await start_session(person_id)


async def reset_two_factor(actor_id: int | None, person_id: int) -> PersonOut:
    """An admin (or, with ``actor_id`` None, the command line) removes a person's second factor; an admin cannot
    remove their own (another admin, or ``giveback user reset-two-factor``, can)."""
    if not await Person.exists().where((Person.id == person_id) & Person.deleted_at.is_null()):
        raise NotFound(f"no person {person_id}", field="person_id")
    if actor_id == person_id:
        raise Conflict("ask another admin to remove your own second factor", field="person_id")
    await two_factor.reset_by_admin(actor_id, person_id)
    return await person_out(person_id)


async def forget_account_secrets(person_id: int, email: str) -> None:
    """Delete a deleted account's second factor, log-in challenges and e-mail request counts; revoke its API
    tokens."""
    await two_factor.forget(person_id)
    await api_tokens.revoke_all_tokens(person_id)
    await throttle.forget_mail_requests(email)


async def set_locale(person_id: int, locale: str | None) -> None:
    """Save the interface language the person chose (None: follow the browser's)."""
    await Person.update({Person.locale: locale}).where(Person.id == person_id)


async def list_people(*, role: str | None = None) -> list[PersonOut]:
    query = Person.select(Person.id).where(Person.deleted_at.is_null()).order_by(Person.name)
    if role:
        query = query.where(Person.id.is_in(RoleGrant.select(RoleGrant.person).where(RoleGrant.role == role)))
    return [await person_out(row["id"]) for row in await query]


def _recipient(row: dict[str, Any]) -> Recipient:
    return Recipient(name=row["name"], email=row["email"], locale=row["locale"] or DEFAULT_LOCALE, person_id=row["id"])


async def recipients(person_ids: Iterable[int]) -> list[Recipient]:
    """The people to tell (those with a live account: not deleted, not disabled), in id order, each with the
    language they read."""
    ids = sorted(set(person_ids))
    if not ids:
        return []
    rows = (
        await Person.select(Person.id, Person.name, Person.email, Person.locale)
        .where(Person.id.is_in(ids) & Person.deleted_at.is_null() & Person.disabled_at.is_null())
        .order_by(Person.id)
    )
    return [_recipient(row) for row in rows]


async def recipients_with_role(role: str) -> list[Recipient]:
    """Everyone with a live account holding the role (the coordinators to tell of a waiting step)."""
    grants = await RoleGrant.select(RoleGrant.person).where(RoleGrant.role == role)
    return await recipients(int(grant["person"]) for grant in grants)

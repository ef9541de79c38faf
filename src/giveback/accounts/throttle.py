"""Limits on what anyone may try without a session: failed log-ins and e-mails asked for.

**Failed log-ins** are counted per bucket, in the database (every server process sees the same counts):

- one account from one client address (5 failures in 15 minutes block that client for that account, 15 minutes);
- one account from one *trusted device*: a browser that logged in to the account before holds a signed device
  cookie, and its failures are counted apart, so the owner's own browser is never blocked by someone else's
  guesses, whatever address they come from;
- one client address across accounts (50 failures in 15 minutes block that client for every account);
- one account's second factor (10 wrong codes in 15 minutes, counted once the password was right).

No bucket spans a whole account: five wrong passwords from anywhere no longer lock its owner out.

**E-mails asked for without a session** (confirmation links, reset links, sign-up notices) are counted per address,
whether or not an account has it, and per client address: at most 5 per address and 20 per client in an hour.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from giveback.accounts.sessions import now
from giveback.accounts.tables import LoginFailure, MailRequest
from giveback.db.engine import locked, write_transaction
from giveback.errors import TooManyAttempts
from giveback.i18n import _


@dataclass(frozen=True)
class Limit:
    failures: int
    window: timedelta
    block: timedelta


ACCOUNT_FROM_CLIENT = Limit(5, timedelta(minutes=15), timedelta(minutes=15))
ACCOUNT_FROM_DEVICE = Limit(5, timedelta(minutes=15), timedelta(minutes=15))
CLIENT = Limit(50, timedelta(minutes=15), timedelta(minutes=15))
SECOND_FACTOR = Limit(10, timedelta(minutes=15), timedelta(minutes=15))

MAIL_WINDOW = timedelta(hours=1)
MAILS_PER_ADDRESS = 5
MAILS_PER_CLIENT = 20
# Mail requests older than this are deleted as new ones come (they only count within the window).
MAIL_KEPT = timedelta(days=1)

BLOCKED = _("too many failed log-ins from here for this account; try again later")
CLIENT_BLOCKED = _("too many failed log-ins from this address; try again later")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Bucket:
    key: str
    limit: Limit
    message: str

    @property
    def hashed(self) -> str:
        return _digest(self.key)


def login_buckets(email: str, client: str, device_id: str | None) -> list[Bucket]:
    """Where a log-in attempt's failure counts: its account from its device (or client address), and its client."""
    account = (
        Bucket(f"device\n{email}\n{device_id}", ACCOUNT_FROM_DEVICE, BLOCKED)
        if device_id
        else Bucket(f"account\n{email}\n{client}", ACCOUNT_FROM_CLIENT, BLOCKED)
    )
    return [account, Bucket(f"client\n{client}", CLIENT, CLIENT_BLOCKED)]


def second_factor_bucket(person_id: int) -> Bucket:
    return Bucket(f"second-factor\n{person_id}", SECOND_FACTOR, "too many wrong codes for this account; try later")


async def refuse_if_blocked(buckets: list[Bucket]) -> None:
    rows = await LoginFailure.select(LoginFailure.bucket, LoginFailure.blocked_until).where(
        LoginFailure.bucket.is_in([bucket.hashed for bucket in buckets])
    )
    blocked = {row["bucket"]: row["blocked_until"] for row in rows if row["blocked_until"]}
    moment = now()
    for bucket in buckets:
        until = blocked.get(bucket.hashed)
        if until and until > moment:
            raise TooManyAttempts(bucket.message, retry_after_seconds=int((until - moment).total_seconds()) + 1)


async def record_failure(buckets: list[Bucket]) -> bool:
    """Count a failure in each bucket; True when one of them became blocked by it."""
    newly_blocked = False
    async with write_transaction(LoginFailure._meta.db):
        for bucket in buckets:
            moment = now()
            row = await locked(LoginFailure.select().where(LoginFailure.bucket == bucket.hashed)).first()
            if row is None:
                await LoginFailure.insert(LoginFailure(bucket=bucket.hashed, failures=1, first_failure_at=moment))
                continue
            expired = row["first_failure_at"] + bucket.limit.window <= moment
            failures = 1 if expired else row["failures"] + 1
            blocked = moment + bucket.limit.block if failures >= bucket.limit.failures else None
            newly_blocked = newly_blocked or (blocked is not None and failures == bucket.limit.failures)
            await LoginFailure.update(
                {
                    LoginFailure.failures: failures,
                    LoginFailure.first_failure_at: moment if expired else row["first_failure_at"],
                    LoginFailure.blocked_until: blocked,
                }
            ).where(LoginFailure.id == row["id"])
    return newly_blocked


async def forget_failures(bucket: Bucket) -> None:
    await LoginFailure.delete().where(LoginFailure.bucket == bucket.hashed)


# --- trusted devices --------------------------------------------------------------------------------------------


def new_device_cookie(secret_key: str, email: str) -> str:
    """A device cookie value for a browser that just logged in to the account: a random id and its signature."""
    device_id = secrets.token_urlsafe(16)
    return f"{device_id}.{_device_signature(secret_key, email, device_id)}"


def trusted_device(secret_key: str, email: str, cookie: str | None) -> str | None:
    """The device id when the cookie was issued by this server to a browser that logged in to this account."""
    if not cookie or "." not in cookie:
        return None
    device_id, signature = cookie.split(".", 1)
    expected = _device_signature(secret_key, email, device_id)
    return device_id if hmac.compare_digest(signature, expected) else None


def _device_signature(secret_key: str, email: str, device_id: str) -> str:
    message = f"giveback trusted device\n{email}\n{device_id}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


# --- e-mails asked for ------------------------------------------------------------------------------------------


async def allow_mail(address: str, client: str, purpose: str) -> None:
    """Count an e-mail asked for without a session; refuse it when the address or the client asked too often.
    Called inside the request's write transaction, so that counting and the rest of the work commit once.

    Counted whether or not an account has the address, so the answer says nothing about accounts."""
    address_hash = _digest(address)
    moment = now()
    since = moment - MAIL_WINDOW
    await MailRequest.delete().where(MailRequest.at < moment - MAIL_KEPT)
    to_address = await MailRequest.count().where((MailRequest.address_hash == address_hash) & (MailRequest.at > since))
    from_client = await MailRequest.count().where((MailRequest.client == client) & (MailRequest.at > since))
    if to_address >= MAILS_PER_ADDRESS:
        raise TooManyAttempts(
            _("we sent this address several messages in the last hour; wait for them, or try again later"),
            retry_after_seconds=int(MAIL_WINDOW.total_seconds()),
        )
    if from_client >= MAILS_PER_CLIENT:
        raise TooManyAttempts(
            _("too many e-mails asked for from this address; try again later"),
            retry_after_seconds=int(MAIL_WINDOW.total_seconds()),
        )
    await MailRequest.insert(MailRequest(address_hash=address_hash, client=client[:64], purpose=purpose, at=moment))


async def forget_mail_requests(address: str) -> None:
    await MailRequest.delete().where(MailRequest.address_hash == _digest(address))

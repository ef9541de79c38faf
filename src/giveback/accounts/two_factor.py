"""Two-factor log-in: an authenticator app (TOTP, RFC 6238, with pyotp) and single-use recovery codes.

Open to everyone; required for coordinators and admins, who see CVs and approve trips: until they have set it up,
their password-only session holds their other roles only (``WebSession.setup_only``).

- Setting up: a new secret waits (``pending_secret``) until a first code from the app confirms it; then it is the
  account's secret, ten recovery codes are shown once, and the person's other sessions end.
- Log-in: after the right password, a log-in challenge (five minutes, five tries) waits for a code from the app or a
  recovery code. A code is accepted for its 30-second step and the steps either side, never twice.
- Every change (set up, codes renewed, turned off, reset by an admin, a recovery code used) is in the audit log.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import datetime, timedelta

import msgspec
import pyotp
import segno

from giveback.accounts.audit import audit
from giveback.accounts.sessions import PRIVILEGED_ROLES, end_all_sessions, hash_token, now
from giveback.accounts.tables import LoginChallenge, RecoveryCode, RoleGrant, TwoFactor
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, InvalidInput, NotAuthenticated
from giveback.i18n import _

ISSUER = "Giveback"
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: read from paper without mistakes
CHALLENGE_LIFETIME = timedelta(minutes=5)
CHALLENGE_TRIES = 5
WRONG_CODE = _("the code is wrong: enter the 6 digits your authenticator app shows now, or a recovery code")


class TwoFactorSetup(msgspec.Struct, kw_only=True):
    """What an authenticator app needs, shown once to its owner: the key (to type in) and the same as an otpauth://
    address and its QR code."""

    key: str
    otpauth_uri: str
    qr_svg: str


class TwoFactorStatus(msgspec.Struct, kw_only=True):
    enabled: bool
    required: bool
    """The person holds a role (coordinator, admin) that needs two-factor log-in."""
    setup_pending: bool
    recovery_codes_left: int


async def requires_second_factor(person_id: int) -> bool:
    return await RoleGrant.exists().where(
        (RoleGrant.person == person_id) & RoleGrant.role.is_in(sorted(PRIVILEGED_ROLES))
    )


async def is_enabled(person_id: int) -> bool:
    return await TwoFactor.exists().where((TwoFactor.person == person_id) & TwoFactor.enabled_at.is_not_null())


async def status(person_id: int) -> TwoFactorStatus:
    row = (
        await TwoFactor.select(TwoFactor.enabled_at, TwoFactor.pending_secret)
        .where(TwoFactor.person == person_id)
        .first()
    )
    left = await RecoveryCode.count().where((RecoveryCode.person == person_id) & RecoveryCode.used_at.is_null())
    return TwoFactorStatus(
        enabled=bool(row and row["enabled_at"]),
        required=await requires_second_factor(person_id),
        setup_pending=bool(row and row["pending_secret"]),
        recovery_codes_left=left,
    )


def setup_of(secret: str, email: str) -> TwoFactorSetup:
    uri = pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)
    qr = segno.make(uri, error="m").svg_inline(scale=4, light="#fff", omitsize=False)
    return TwoFactorSetup(key=secret, otpauth_uri=uri, qr_svg=qr)


async def start_setup(person_id: int, email: str) -> TwoFactorSetup:
    """A new secret for the person's authenticator app; it counts once a code from it is confirmed."""
    secret = pyotp.random_base32()
    async with write_transaction(TwoFactor._meta.db):
        row = await locked(TwoFactor.select(TwoFactor.id).where(TwoFactor.person == person_id)).first()
        if row is None:
            await TwoFactor.insert(TwoFactor(person=person_id, pending_secret=secret))
        else:
            await TwoFactor.update({TwoFactor.pending_secret: secret}).where(TwoFactor.id == row["id"])
    return setup_of(secret, email)


async def pending_setup(person_id: int, email: str) -> TwoFactorSetup | None:
    row = await TwoFactor.select(TwoFactor.pending_secret).where(TwoFactor.person == person_id).first()
    return setup_of(row["pending_secret"], email) if row and row["pending_secret"] else None


def _matching_step(secret: str, code: str, moment: datetime) -> int | None:
    """The 30-second step whose code this is (the current one or either neighbour), if any."""
    digits = "".join(code.split())
    if not secret or len(digits) != 6 or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    step = totp.timecode(moment)
    for candidate in (step - 1, step, step + 1):
        if hmac.compare_digest(totp.generate_otp(candidate), digits):
            return candidate
    return None


def _normal_recovery_code(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())


def _new_recovery_codes() -> list[str]:
    codes = []
    for _number in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _letter in range(16))
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    return codes


async def _replace_recovery_codes(person_id: int) -> list[str]:
    codes = _new_recovery_codes()
    await RecoveryCode.delete().where(RecoveryCode.person == person_id)
    await RecoveryCode.insert(
        *[RecoveryCode(person=person_id, code_hash=hash_token(_normal_recovery_code(code))) for code in codes]
    )
    return codes


async def enable(person_id: int, code: str) -> list[str]:
    """Confirm the pending secret with a code from the app; returns the new recovery codes (shown once). The
    person's sessions end: the caller starts a fresh one."""
    async with write_transaction(TwoFactor._meta.db):
        row = await locked(TwoFactor.select().where(TwoFactor.person == person_id)).first()
        if row is None or not row["pending_secret"]:
            raise Conflict(_("start setting up two-factor log-in first"), field="code")
        step = _matching_step(row["pending_secret"], code, now())
        if step is None:
            raise InvalidInput(WRONG_CODE, field="code")
        replacing = row["enabled_at"] is not None
        await TwoFactor.update(
            {
                TwoFactor.secret: row["pending_secret"],
                TwoFactor.pending_secret: "",
                TwoFactor.enabled_at: now(),
                TwoFactor.last_step: step,
            }
        ).where(TwoFactor.id == row["id"])
        codes = await _replace_recovery_codes(person_id)
        await end_all_sessions(person_id)
        action = "account.two_factor_replaced" if replacing else "account.two_factor_enabled"
        await audit(person_id, action, "person", person_id)
    return codes


async def check_code(person_id: int, code: str) -> bool:
    """True when the code is the authenticator's (for a step not used before) or an unused recovery code, which is
    then used up."""
    async with write_transaction(TwoFactor._meta.db):
        row = await locked(
            TwoFactor.select().where((TwoFactor.person == person_id) & TwoFactor.enabled_at.is_not_null())
        ).first()
        if row is None:
            return False
        step = _matching_step(row["secret"], code, now())
        if step is not None:
            if step <= row["last_step"]:
                return False  # this code was used already: a replayed code is refused
            await TwoFactor.update({TwoFactor.last_step: step}).where(TwoFactor.id == row["id"])
            return True
        used = (
            await RecoveryCode.update({RecoveryCode.used_at: now()})
            .where(
                (RecoveryCode.person == person_id)
                & (RecoveryCode.code_hash == hash_token(_normal_recovery_code(code)))
                & RecoveryCode.used_at.is_null()
            )
            .returning(RecoveryCode.id)
        )
        if not used:
            return False
        left = await RecoveryCode.count().where((RecoveryCode.person == person_id) & RecoveryCode.used_at.is_null())
        await audit(person_id, "account.recovery_code_used", "person", person_id, codes_left=left)
        return True


async def renew_recovery_codes(person_id: int, code: str) -> list[str]:
    """New recovery codes (the old ones stop working), after a code from the app."""
    if not await check_code(person_id, code):
        raise InvalidInput(WRONG_CODE, field="code")
    async with write_transaction(RecoveryCode._meta.db):
        codes = await _replace_recovery_codes(person_id)
        await audit(person_id, "account.recovery_codes_renewed", "person", person_id)
    return codes


async def disable(person_id: int, code: str) -> None:
    """Turn two-factor log-in off (not for coordinators and admins, who need it)."""
    if await requires_second_factor(person_id):
        raise Conflict(
            _("coordinators and admins need two-factor log-in; to change phones, set it up again instead"), field="code"
        )
    if not await check_code(person_id, code):
        raise InvalidInput(WRONG_CODE, field="code")
    async with write_transaction(TwoFactor._meta.db):
        await _remove(person_id)
        await audit(person_id, "account.two_factor_disabled", "person", person_id)


async def reset_by_admin(actor_id: int | None, person_id: int) -> None:
    """An admin removes a person's second factor (a lost phone and lost codes); their sessions end."""
    async with write_transaction(TwoFactor._meta.db):
        await _remove(person_id)
        await end_all_sessions(person_id)
        await audit(actor_id, "account.two_factor_reset", "person", person_id)


async def forget(person_id: int) -> None:
    """Delete everything two-factor of a person (account deletion)."""
    await _remove(person_id)
    await LoginChallenge.delete().where(LoginChallenge.person == person_id)


async def _remove(person_id: int) -> None:
    await TwoFactor.delete().where(TwoFactor.person == person_id)
    await RecoveryCode.delete().where(RecoveryCode.person == person_id)


# --- log-in challenges ------------------------------------------------------------------------------------------


async def start_challenge(person_id: int) -> str:
    raw = secrets.token_urlsafe(32)
    await LoginChallenge.delete().where(LoginChallenge.expires_at < now())
    await LoginChallenge.insert(
        LoginChallenge(id_hash=hash_token(raw), person=person_id, expires_at=now() + CHALLENGE_LIFETIME)
    )
    return raw


async def challenge_person(raw: str | None) -> tuple[int, int]:
    """The (challenge id, person id) of a live log-in challenge; ``NotAuthenticated`` when there is none."""
    row = (
        await LoginChallenge.select(LoginChallenge.id, LoginChallenge.person, LoginChallenge.expires_at)
        .where(LoginChallenge.id_hash == hash_token(raw or ""))
        .first()
    )
    if row is None or row["expires_at"] <= now():
        raise NotAuthenticated(_("log in again: the time for the code ran out"), field="code")
    return int(row["id"]), int(row["person"])


async def count_wrong_code(challenge_id: int) -> None:
    """One more wrong code for the challenge; after the last try it ends (the password must be entered again)."""
    async with write_transaction(LoginChallenge._meta.db):
        row = await locked(LoginChallenge.select().where(LoginChallenge.id == challenge_id)).first()
        if row is None:
            return
        if row["attempts"] + 1 >= CHALLENGE_TRIES:
            await LoginChallenge.delete().where(LoginChallenge.id == challenge_id)
        else:
            await LoginChallenge.update({LoginChallenge.attempts: row["attempts"] + 1}).where(
                LoginChallenge.id == challenge_id
            )


async def end_challenge(challenge_id: int) -> None:
    await LoginChallenge.delete().where(LoginChallenge.id == challenge_id)


def totp_code(secret: str, moment: datetime | None = None) -> str:
    """The code an authenticator app shows for the secret (the demo and the tests use it)."""
    return pyotp.TOTP(secret).at(moment or now())

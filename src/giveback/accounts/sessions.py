"""Server-side sessions: random ids issued only at log-in, stored hashed, with idle and absolute expiry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import msgspec

from giveback.accounts.tables import Person, WebSession

# Roles that wait for a second factor: a session without one holds the person's other roles only.
PRIVILEGED_ROLES = frozenset({"coordinator", "admin"})
IDLE_TIMEOUT = timedelta(hours=8)
ABSOLUTE_TIMEOUT = timedelta(days=7)
TOUCH_INTERVAL = timedelta(minutes=1)


class SignedIn(msgspec.Struct, frozen=True, kw_only=True):
    """The person behind a valid session."""

    session_id: int
    person_id: int
    email: str
    name: str
    roles: frozenset[str]
    csrf_token: str
    withheld_roles: frozenset[str] = frozenset()
    """Roles the person holds that wait until they set up two-factor log-in (a ``setup_only`` session)."""
    locale: str | None = None
    """The interface language the person chose (``pt_BR``), or None: then the browser's is used."""
    token_id: int | None = None
    """The API token the request came with (``accounts.api_tokens``); None for a browser session."""
    scope: str = "write"
    """What the caller may do: ``read`` (GET only) for a read token, ``write`` otherwise."""

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


async def start_session(person_id: int, *, setup_only: bool = False) -> str:
    """Issue a fresh random session id for the person; the caller sets it as the cookie.

    Log-in calls this once every factor the person needs has been checked; ``setup_only`` marks the password-only
    session of a coordinator or admin who has no second factor yet."""
    raw = secrets.token_urlsafe(32)
    await WebSession.insert(
        WebSession(
            id_hash=hash_token(raw),
            person=person_id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now(),
            last_seen_at=now(),
            expires_at=now() + ABSOLUTE_TIMEOUT,
            setup_only=setup_only,
        )
    )
    return raw


# Every signed-in request reads its session: one statement, written out (building it with the query builder
# on each request cost more than running it). One row per role the person holds, or one row with no role.
_SESSION_QUERY = """
SELECT s.id, s.person, s.csrf_token, s.last_seen_at, s.expires_at, s.setup_only, p.email, p.name, p.locale,
    p.deleted_at, p.disabled_at, r.role
FROM web_session AS s
JOIN person AS p ON p.id = s.person
LEFT JOIN role_grant AS r ON r.person = s.person
WHERE s.id_hash = {}
"""


async def load_session(raw: str) -> SignedIn | None:
    """The signed-in person for a cookie value, or None for an unknown, idle or expired id."""
    rows = await WebSession.raw(_SESSION_QUERY, hash_token(raw))
    if not rows:
        return None
    row = rows[0]
    moment = now()
    expired = row["expires_at"] <= moment or row["last_seen_at"] + IDLE_TIMEOUT <= moment
    if expired or row["deleted_at"] or row["disabled_at"]:
        await WebSession.delete().where(WebSession.id == row["id"])
        return None
    if row["last_seen_at"] + TOUCH_INTERVAL <= moment:
        await WebSession.update({WebSession.last_seen_at: moment}).where(WebSession.id == row["id"])
    roles = frozenset(r["role"] for r in rows if r["role"] is not None)
    withheld = roles & PRIVILEGED_ROLES if row["setup_only"] else frozenset()
    return SignedIn(
        session_id=row["id"],
        person_id=row["person"],
        email=row["email"],
        name=row["name"],
        roles=roles - withheld,
        csrf_token=row["csrf_token"],
        withheld_roles=withheld,
        locale=row["locale"],
    )


async def end_session(session_id: int) -> None:
    await WebSession.delete().where(WebSession.id == session_id)


async def end_all_sessions(person_id: int) -> None:
    """Sign the person out everywhere (after a password reset, a role change, an account deletion)."""
    await WebSession.delete().where(WebSession.person == person_id)


async def person_exists(person_id: int) -> bool:
    return await Person.exists().where((Person.id == person_id) & Person.deleted_at.is_null())

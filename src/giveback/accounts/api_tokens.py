"""API tokens: what a script sends as ``Authorization: Bearer gb_…`` to call the JSON API without a password.

- A token is shown once, when it is made; the table keeps only its SHA-256 and its first characters.
- A personal token acts as its owner, with the owner's roles of the moment: a role taken away, a disabled or
  deleted account, stops what the token can do at once. Coordinator and admin roles wait for two-factor log-in,
  as they do for a session.
- A service token is made by an admin for an integration (a reporting script, the society's member system):
  it acts like a personal token of that admin, and every admin sees and can revoke it.
- ``read`` tokens may only read (GET); ``write`` tokens may also change what their owner may change.
- A token never manages tokens, passwords, two-factor log-in or the account itself: those need a session.
- Every use moves ``last_used_at`` (at most once a minute); every change a token makes is audited with its id.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from giveback.accounts.audit import audit
from giveback.accounts.schemas import ApiTokenCreate, ApiTokenCreated, ApiTokenOut
from giveback.accounts.sessions import PRIVILEGED_ROLES, TOUCH_INTERVAL, SignedIn
from giveback.accounts.tables import ApiToken, Person
from giveback.db.engine import locked, write_transaction
from giveback.errors import Conflict, NotFound, PermissionDenied
from giveback.i18n import _

TOKEN_PREFIX = "gb_"  # noqa: S105 (the mark every token starts with, not a secret)
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
MAX_LIVE_TOKENS = 50
"""Live (not revoked, not expired) tokens one person may hold: enough for every script, few enough to review."""


def now() -> datetime:
    return datetime.now(UTC)


def hash_api_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def looks_like_token(value: str) -> bool:
    return value.startswith(TOKEN_PREFIX) and 20 <= len(value) <= 100


def _out(row: dict[str, object], owner: str = "") -> ApiTokenOut:
    return ApiTokenOut(
        id=int(row["id"]),  # type: ignore[call-overload]
        name=str(row["name"]),
        kind=str(row["kind"]),  # type: ignore[arg-type]
        scope=str(row["scope"]),  # type: ignore[arg-type]
        prefix=str(row["prefix"]),
        created_at=row["created_at"],  # type: ignore[arg-type]
        expires_at=row["expires_at"],  # type: ignore[arg-type]
        last_used_at=row["last_used_at"],  # type: ignore[arg-type]
        revoked_at=row["revoked_at"],  # type: ignore[arg-type]
        owner=owner or str(row.get("owner", "")),
    )


def _live(token_row: dict[str, object], moment: datetime) -> bool:
    expires = token_row["expires_at"]
    return token_row["revoked_at"] is None and (expires is None or expires > moment)  # type: ignore[operator]


async def list_tokens(user: SignedIn) -> list[ApiTokenOut]:
    """The person's tokens, newest first, revoked and expired ones included (their last use stays readable)."""
    rows = await ApiToken.select().where(ApiToken.person == user.person_id).order_by(ApiToken.id, ascending=False)
    return [_out(row, user.name) for row in rows]


async def list_all_tokens() -> list[ApiTokenOut]:
    """Every live token of the program, service tokens first, for the admins' review."""
    rows = await ApiToken.select(*ApiToken.all_columns(), ApiToken.person.name.as_alias("owner")).where(
        ApiToken.revoked_at.is_null()
    )
    moment = now()
    live = [row for row in rows if _live(row, moment)]
    live.sort(key=lambda row: (row["kind"] != "service", str(row["owner"]).casefold(), -int(row["id"])))
    return [_out(row) for row in live]


async def create_token(user: SignedIn, data: ApiTokenCreate) -> ApiTokenCreated:
    """Make a token and show its secret once; a service token needs the admin role."""
    if data.kind == "service" and not user.has("admin"):
        raise PermissionDenied(_("only admins can make service tokens"), field="kind")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    moment = now()
    expires_at = moment + timedelta(days=data.expires_in_days) if data.expires_in_days else None
    async with write_transaction(ApiToken._meta.db):
        await locked(Person.select(Person.id).where(Person.id == user.person_id)).run()
        held = await ApiToken.select(ApiToken.revoked_at, ApiToken.expires_at).where(ApiToken.person == user.person_id)
        if sum(1 for row in held if _live(row, moment)) >= MAX_LIVE_TOKENS:
            raise Conflict(
                _("you hold %(count)s live tokens, the most one person may: revoke one first", count=MAX_LIVE_TOKENS),
                field="name",
            )
        inserted = await ApiToken.insert(
            ApiToken(
                person=user.person_id,
                kind=data.kind,
                name=data.name,
                token_hash=hash_api_token(raw),
                prefix=raw[:SHOWN_PREFIX_LENGTH],
                scope=data.scope,
                created_at=moment,
                expires_at=expires_at,
            )
        )
        token_id = int(inserted[0]["id"])
        await audit(
            user.person_id, "api_token.created", "api_token", token_id, name=data.name, kind=data.kind, scope=data.scope
        )
    row = await ApiToken.select().where(ApiToken.id == token_id).first()
    assert row is not None
    return ApiTokenCreated(token=_out(row, user.name), bearer_token=raw)


async def revoke_token(user: SignedIn, token_id: int) -> ApiTokenOut:
    """Revoke one of the person's tokens, or (an admin) any service or personal token; it is refused at once."""
    async with write_transaction(ApiToken._meta.db):
        row = await locked(ApiToken.select().where(ApiToken.id == token_id)).first()
        if row is None or (int(row["person"]) != user.person_id and not user.has("admin")):
            raise NotFound(_("no such token among yours"), field="token_id")
        if row["revoked_at"] is None:
            moment = now()
            await ApiToken.update({ApiToken.revoked_at: moment}).where(ApiToken.id == token_id)
            row["revoked_at"] = moment
            await audit(
                user.person_id, "api_token.revoked", "api_token", token_id, name=row["name"], owner=int(row["person"])
            )
    return _out(row, user.name if int(row["person"]) == user.person_id else "")


async def revoke_all_tokens(person_id: int) -> int:
    """Revoke every token of a person (their account is deleted or disabled); how many were live."""
    revoked = (
        await ApiToken.update({ApiToken.revoked_at: now()})
        .where((ApiToken.person == person_id) & ApiToken.revoked_at.is_null())
        .returning(ApiToken.id)
    )
    return len(revoked)


# Every request with a token reads it: one statement, written out like the session's (accounts.sessions). One row
# per role the owner holds, or one row with no role.
_LOOKUP_QUERY = """
SELECT t.id, t.person, t.scope, t.expires_at, t.last_used_at, p.email, p.name, p.locale, p.deleted_at,
    p.disabled_at, f.enabled_at AS two_factor_at, r.role
FROM api_token AS t
JOIN person AS p ON p.id = t.person
LEFT JOIN two_factor AS f ON f.person = t.person
LEFT JOIN role_grant AS r ON r.person = t.person
WHERE t.token_hash = {} AND t.revoked_at IS NULL
"""


async def load_token(raw: str) -> SignedIn | None:
    """The person a bearer token acts for, or None for an unknown, revoked or expired token or a closed account."""
    if not looks_like_token(raw):
        return None
    rows = await ApiToken.raw(_LOOKUP_QUERY, hash_api_token(raw))
    if not rows:
        return None
    row = rows[0]
    moment = now()
    if (row["expires_at"] is not None and row["expires_at"] <= moment) or row["deleted_at"] or row["disabled_at"]:
        return None
    if row["last_used_at"] is None or row["last_used_at"] + TOUCH_INTERVAL <= moment:
        await ApiToken.update({ApiToken.last_used_at: moment}).where(ApiToken.id == row["id"])
    roles = frozenset(r["role"] for r in rows if r["role"] is not None)
    withheld = roles & PRIVILEGED_ROLES if row["two_factor_at"] is None else frozenset()
    return SignedIn(
        session_id=0,
        person_id=int(row["person"]),
        email=row["email"],
        name=row["name"],
        roles=roles - withheld,
        csrf_token="",
        withheld_roles=withheld,
        locale=row["locale"],
        token_id=int(row["id"]),
        scope=row["scope"],
    )

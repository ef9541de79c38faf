"""Administration: find people, grant and revoke roles, disable accounts, resend confirmations, read the audit log.

Roles and confirmations are the accounts domain's; this domain only decides who may do what to whom and keeps
the lists. Disabling an account ends its sessions, calendar feeds and API tokens at once and keeps the person out of the
directories and the matching until an admin enables it again; their trips and reports stay.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from giveback.accounts import services as accounts
from giveback.accounts.api_tokens import revoke_all_tokens
from giveback.accounts.schemas import ROLES, PersonOut, Role
from giveback.accounts.sessions import end_all_sessions
from giveback.accounts.tables import AuditEvent, Person, RoleGrant
from giveback.admin.schemas import AuditEventOut, AuditQuery, PeopleQuery, PersonAdminOut
from giveback.calendars.tables import FeedToken
from giveback.db.engine import locked, write_transaction
from giveback.db.keyset import Page, SortKey, keyset_page, page_size
from giveback.db.search import contains_text
from giveback.errors import Conflict, InvalidInput, NotFound
from giveback.hosts.tables import HostRequest
from giveback.i18n import _
from giveback.organizations.tables import Organization
from giveback.rounds.tables import MatchRound, SolverRun
from giveback.settings import Settings
from giveback.trips.tables import Trip

SORT_KEYS = {
    "name": (SortKey.lowered(Person.name), False),
    "-name": (SortKey.lowered(Person.name), True),
    "email": (SortKey.column(Person.email, str), False),
    "-email": (SortKey.column(Person.email, str), True),
    "newest": (SortKey.column(Person.id, int), True),
    "oldest": (SortKey.column(Person.id, int), False),
}


def _now() -> datetime:
    return datetime.now(UTC)


async def _person_row(person_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Person.select(Person.id, Person.email, Person.name, Person.email_confirmed_at, Person.disabled_at).where(
        (Person.id == person_id) & Person.deleted_at.is_null()
    )
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(_("there is no person %(id)s", id=person_id), field="person_id")
    return row


async def find_person(who: str) -> int:
    """A person's id from their e-mail address (or their id); the command line names people so."""
    text = who.strip()
    if text.isdigit():
        return int((await _person_row(int(text)))["id"])
    row = (
        await Person.select(Person.id)
        .where((Person.email == accounts.normalize_email(text)) & Person.deleted_at.is_null())
        .first()
    )
    if row is None:
        raise NotFound(_("no account has the e-mail address %(email)s", email=text), field="person")
    return int(row["id"])


async def _outs(rows: list[dict[str, Any]]) -> list[PersonAdminOut]:
    ids = [int(row["id"]) for row in rows]
    roles: dict[int, list[str]] = {person_id: [] for person_id in ids}
    if ids:
        for grant in await RoleGrant.select(RoleGrant.person, RoleGrant.role).where(RoleGrant.person.is_in(ids)):
            roles[int(grant["person"])].append(grant["role"])
    return [
        PersonAdminOut(
            id=int(row["id"]),
            email=row["email"],
            name=row["name"],
            roles=sorted(roles[int(row["id"])], key=ROLES.index),
            email_confirmed=row["email_confirmed_at"] is not None,
            disabled=row["disabled_at"] is not None,
            joined=row["created_at"],
        )
        for row in rows
    ]


async def person_admin_out(person_id: int) -> PersonAdminOut:
    row = await Person.select(*_PERSON_COLUMNS).where(Person.id == person_id).first()
    if row is None:
        raise NotFound(_("there is no person %(id)s", id=person_id), field="person_id")
    return (await _outs([row]))[0]


_PERSON_COLUMNS = (
    Person.id,
    Person.email,
    Person.name,
    Person.email_confirmed_at,
    Person.disabled_at,
    Person.created_at,
)


async def people(query: PeopleQuery) -> Page[PersonAdminOut]:
    """People whose name or e-mail address holds the search text, with the role and in the state asked, one page
    in the order asked."""
    select = Person.select(*_PERSON_COLUMNS).where(Person.deleted_at.is_null())
    if query.search.strip():
        select = select.where(contains_text(Person.name, query.search) | contains_text(Person.email, query.search))
    if query.role:
        select = select.where(Person.id.is_in(RoleGrant.select(RoleGrant.person).where(RoleGrant.role == query.role)))
    if query.state == "disabled":
        select = select.where(Person.disabled_at.is_not_null())
    elif query.state == "unconfirmed":
        select = select.where(Person.disabled_at.is_null() & Person.email_confirmed_at.is_null())
    elif query.state == "active":
        select = select.where(Person.disabled_at.is_null() & Person.email_confirmed_at.is_not_null())
    key, descending = SORT_KEYS[query.sort]
    rows, next_cursor = await keyset_page(
        select, key=key, id_column=Person.id, descending=descending, cursor=query.cursor, limit=page_size(query.limit)
    )
    return Page(items=await _outs(rows), next_cursor=next_cursor)


async def grant_roles(actor_id: int | None, person_id: int, roles: list[Role]) -> PersonOut:
    """Add roles in one change (those already held change nothing); the person's sessions end, as on every role
    change."""
    current = (await accounts.person_out(person_id)).roles
    added = [role for role in roles if role not in current]
    if not added:
        return await accounts.person_out(person_id)
    return await accounts.set_roles(actor_id, person_id, [*current, *added])  # type: ignore[list-item]


async def revoke_roles(actor_id: int | None, person_id: int, roles: list[Role]) -> PersonOut:
    """Take roles away in one change; the last admin's admin role cannot be taken, or nobody could grant it."""
    current = (await accounts.person_out(person_id)).roles
    for role in roles:
        if role not in current:
            raise Conflict(_("the person does not hold the role %(role)s", role=role), field="role")
    if "admin" in roles and await RoleGrant.count().where(RoleGrant.role == "admin") <= 1:
        raise Conflict(_("this is the only admin: grant admin to someone else first"), field="role")
    return await accounts.set_roles(actor_id, person_id, [r for r in current if r not in roles])  # type: ignore[misc]


async def set_roles(actor_id: int | None, person_id: int, roles: list[Role]) -> PersonOut:
    """Give the person exactly these roles in one change (the roles page); the last admin keeps theirs."""
    current = (await accounts.person_out(person_id)).roles
    if "admin" in current and "admin" not in roles and await RoleGrant.count().where(RoleGrant.role == "admin") <= 1:
        raise Conflict(_("this is the only admin: grant admin to someone else first"), field="roles")
    if sorted(current) == sorted(roles):
        return await accounts.person_out(person_id)
    return await accounts.set_roles(actor_id, person_id, roles)


async def disable_account(actor_id: int | None, person_id: int, reason: str) -> PersonAdminOut:
    """Stop the account: no log-in, sessions ended, calendar feeds and API tokens revoked; out of directories and
    matching."""
    if actor_id == person_id:
        raise InvalidInput(_("you cannot disable your own account"), field="person_id")
    if not reason.strip():
        raise InvalidInput(_("say why the account is disabled (the audit log keeps it)"), field="reason")
    async with write_transaction(Person._meta.db):
        row = await _person_row(person_id, lock=True)
        if row["disabled_at"] is not None:
            raise Conflict(_("the account is already disabled"), field="person_id")
        is_admin = await RoleGrant.exists().where((RoleGrant.person == person_id) & (RoleGrant.role == "admin"))
        if is_admin and await RoleGrant.count().where(RoleGrant.role == "admin") <= 1:
            raise Conflict(_("this is the only admin: grant admin to someone else first"), field="person_id")
        await Person.update({Person.disabled_at: _now()}).where(Person.id == person_id)
        await end_all_sessions(person_id)
        feeds = await FeedToken.delete().where(FeedToken.person == person_id).returning(FeedToken.id)
        tokens = await revoke_all_tokens(person_id)
        await accounts.audit(
            actor_id,
            "account.disabled",
            "person",
            person_id,
            reason=reason.strip(),
            feeds_revoked=len(feeds),
            api_tokens_revoked=tokens,
        )
    return await person_admin_out(person_id)


async def enable_account(actor_id: int | None, person_id: int) -> PersonAdminOut:
    """Let a disabled account log in again (its calendar feeds and API tokens were revoked: the person makes new
    ones)."""
    async with write_transaction(Person._meta.db):
        row = await _person_row(person_id, lock=True)
        if row["disabled_at"] is None:
            raise Conflict(_("the account is not disabled"), field="person_id")
        await Person.update({Person.disabled_at: None}).where(Person.id == person_id)
        await accounts.audit(actor_id, "account.enabled", "person", person_id)
    return await person_admin_out(person_id)


async def resend_confirmation(actor_id: int | None, person_id: int, *, settings: Settings) -> list[str]:
    """E-mail the person a new confirmation link (their address is not confirmed yet); returns the Message-IDs
    queued in the outbox."""
    row = await _person_row(person_id)
    if row["email_confirmed_at"] is not None:
        raise Conflict(_("the e-mail address is already confirmed"), field="person_id")
    if row["disabled_at"] is not None:
        raise Conflict(_("the account is disabled: enable it first"), field="person_id")
    queued = await accounts.resend_confirmation(row["email"], settings=settings, client=f"admin:{actor_id}")
    await accounts.audit(actor_id, "account.confirmation_resent", "person", person_id)
    return queued


async def audit_log(query: AuditQuery) -> Page[AuditEventOut]:
    """Audit entries matching every filter given, newest first, one page."""
    if query.since and query.until and query.until < query.since:
        raise InvalidInput(_("the last day is before the first"), field="until")
    if query.record_id is not None and not query.record_type:
        raise InvalidInput(_("name the kind of record too (e.g. trip, person, round)"), field="record_type")
    select = AuditEvent.select(
        AuditEvent.id,
        AuditEvent.at,
        AuditEvent.actor,
        AuditEvent.action,
        AuditEvent.subject_type,
        AuditEvent.subject_id,
        AuditEvent.details,
    ).output(load_json=True)
    if query.person is not None:
        select = select.where(
            (AuditEvent.actor == query.person)
            | ((AuditEvent.subject_type == "person") & (AuditEvent.subject_id == query.person))
        )
    if query.record_type:
        select = select.where(AuditEvent.subject_type == query.record_type)
    if query.record_id is not None:
        select = select.where(AuditEvent.subject_id == query.record_id)
    if query.action:
        if query.action.endswith("."):
            select = select.where(AuditEvent.action.like(query.action + "%"))
        else:
            select = select.where(AuditEvent.action == query.action)
    if query.since:
        select = select.where(AuditEvent.at >= datetime.combine(query.since, time.min, tzinfo=UTC))
    if query.until:
        select = select.where(AuditEvent.at < datetime.combine(query.until + timedelta(days=1), time.min, tzinfo=UTC))
    rows, next_cursor = await keyset_page(
        select,
        key=SortKey.column(AuditEvent.id, int),
        id_column=AuditEvent.id,
        descending=True,
        cursor=query.cursor,
        limit=page_size(query.limit),
    )
    actor_ids = {int(row["actor"]) for row in rows if row["actor"] is not None}
    names = {}
    if actor_ids:
        names = {
            int(r["id"]): r["name"]
            for r in await Person.select(Person.id, Person.name).where(Person.id.is_in(list(actor_ids)))
        }
    records = await record_names([(row["subject_type"], row["subject_id"]) for row in rows])
    items = [
        AuditEventOut(
            id=int(row["id"]),
            at=row["at"],
            actor_id=row["actor"],
            actor=names.get(row["actor"], "") if row["actor"] is not None else _("the platform"),
            action=row["action"],
            record_type=row["subject_type"],
            record_id=row["subject_id"],
            record=records.get((row["subject_type"], row["subject_id"]), RECORD_WORDS.get(row["subject_type"], "")),
            details=row["details"] if isinstance(row["details"], dict) else {},
        )
        for row in rows
    ]
    return Page(items=items, next_cursor=next_cursor)


async def audit_actions() -> list[str]:
    """Every action the log holds, for the filter's choices."""
    rows = await AuditEvent.select(AuditEvent.action).distinct().order_by(AuditEvent.action)
    return [row["action"] for row in rows]


RECORD_WORDS = {
    "person": _("a person"),
    "round": _("a match round"),
    "run": _("a solver run"),
    "host_request": _("a host request"),
    "organization": _("an organization"),
    "organization_claim": _("a claim on an organization"),
    "trip": _("a trip"),
    "topic": _("a topic"),
    "calendar_feed": _("a calendar feed"),
    "api_token": _("an API token"),
    "availability_window": _("an availability window"),
    "volunteer_profile": _("a volunteer profile"),
    "volunteer_cv": _("a CV"),
}


async def record_names(records: list[tuple[str, int | None]]) -> dict[tuple[str, int | None], str]:
    """The names the audit log shows for records: a person's name, a round's, a request's title, a trip's
    request and dates, an organization's name (records of other kinds are named by their kind)."""
    wanted: dict[str, set[int]] = {}
    for kind, record_id in records:
        if record_id is not None:
            wanted.setdefault(kind, set()).add(record_id)
    names: dict[tuple[str, int | None], str] = {}

    async def collect(kind: str, table: Any, column: Any, name: Any) -> None:
        ids = sorted(wanted.get(kind, set()))
        if ids:
            for row in await table.select(column, name).where(column.is_in(ids)):
                names[(kind, int(row[column._meta.name]))] = str(row[name._meta.name])

    await collect("person", Person, Person.id, Person.name)
    await collect("round", MatchRound, MatchRound.id, MatchRound.name)
    await collect("host_request", HostRequest, HostRequest.id, HostRequest.title)
    await collect("organization", Organization, Organization.id, Organization.name)
    trip_ids = sorted(wanted.get("trip", set()))
    if trip_ids:
        for row in await Trip.select(Trip.id, Trip.start, Trip.request.title).where(Trip.id.is_in(trip_ids)):
            names[("trip", int(row["id"]))] = _(
                "%(title)s (%(day)s)", title=row["request.title"], day=row["start"].isoformat()
            )
    run_ids = sorted(wanted.get("run", set()))
    if run_ids:
        for row in await SolverRun.select(SolverRun.id, SolverRun.round.name).where(SolverRun.id.is_in(run_ids)):
            names[("run", int(row["id"]))] = _("a run of %(round)s", round=row["round.name"])
    return names

"""Secret iCal feeds: tokens (only their SHA-256 is stored, rotatable, revocable) and the feed bodies.

A feed shows the trips the trips domain names for it (``FeedTrips``), rendered as events; its ETag is a hash
of the body and its Last-Modified a high-water mark that never goes backwards (calendar.md).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from giveback.accounts.services import audit
from giveback.accounts.sessions import SignedIn
from giveback.accounts.tables import Person, RoleGrant
from giveback.calendars import ics
from giveback.calendars.events import TripFacts, trip_event
from giveback.calendars.schemas import FeedCreate, FeedCreated, FeedOut
from giveback.calendars.tables import FeedToken
from giveback.db.changes import committed_state
from giveback.db.engine import locked, write_transaction
from giveback.db.keyset import Page, SortKey, keyset_page, page_size
from giveback.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from giveback.hosts import services as hosts
from giveback.i18n import DEFAULT_LOCALE, _, translate, use_locale
from giveback.organizations.tables import Organization
from giveback.settings import Settings

FeedTrips = Callable[[str, int, int | None], Awaitable[list[TripFacts]]]
"""The trips a feed shows, given its kind, its owner's person id and its organization id (if any)."""


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def hash_feed_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def feed_urls(settings: Settings, raw: str) -> tuple[str, str]:
    """The https (or http) address of a feed token and its webcal:// twin."""
    url = f"{settings.base_url.rstrip('/')}/feeds/{raw}.ics"
    return url, "webcal://" + url.split("://", 1)[1]


async def _organization_names(ids: list[int]) -> dict[int, str]:
    rows = await Organization.select(Organization.id, Organization.name).where(Organization.id.is_in(ids or [-1]))
    return {int(r["id"]): r["name"] for r in rows}


def _feed_name(kind: str, organization: str | None, owner: str) -> str:
    if kind == "organization":
        return _("Giveback visits – %(organization)s", organization=organization or "")
    if kind == "program":
        return _("Giveback – all trips")
    return _("Giveback trips – %(owner)s", owner=owner)


async def list_feeds(user: SignedIn) -> list[FeedOut]:
    rows = await FeedToken.select().where(FeedToken.person == user.person_id).order_by(FeedToken.id)
    return await _feed_outs(user, rows)


async def feed_page(user: SignedIn, *, cursor: str | None = None, limit: int | None = None) -> Page[FeedOut]:
    """One page of the person's feeds, the oldest first."""
    rows, next_cursor = await keyset_page(
        FeedToken.select(*FeedToken.all_columns()).where(FeedToken.person == user.person_id),
        key=SortKey.column(FeedToken.id, int),
        id_column=FeedToken.id,
        cursor=cursor,
        limit=page_size(limit),
    )
    return Page(items=await _feed_outs(user, rows), next_cursor=next_cursor)


async def _feed_outs(user: SignedIn, rows: list[dict[str, Any]]) -> list[FeedOut]:
    names = await _organization_names([int(r["organization"]) for r in rows if r["organization"]])
    return [
        FeedOut(
            id=int(r["id"]),
            kind=r["kind"],
            organization_id=r["organization"],
            name=_feed_name(r["kind"], names.get(r["organization"] or 0), user.name),
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def _may_have_feed(user_id: int, roles: frozenset[str], kind: str, organization_id: int | None) -> bool:
    if kind == "program":
        return "coordinator" in roles
    if kind == "organization":
        return organization_id is not None and await hosts.is_contact(user_id, organization_id)
    return True


async def create_feed(user: SignedIn, data: FeedCreate, settings: Settings) -> FeedCreated:
    """Create a feed and show its secret address once; one feed per person, kind and organization."""
    organization_id = data.organization_id if data.kind == "organization" else None
    if data.kind == "organization" and organization_id is None:
        raise InvalidInput(_("name the organization whose visits the feed shows"), field="organization_id")
    if data.kind == "program" and not user.has("coordinator"):
        raise PermissionDenied(_("only coordinators can subscribe to the program's feed"), field="kind")
    if data.kind == "organization" and not await _may_have_feed(
        user.person_id, user.roles, "organization", organization_id
    ):
        raise PermissionDenied(
            _("only an approved contact can subscribe to an organization's visits"), field="organization_id"
        )
    raw = secrets.token_urlsafe(32)
    async with write_transaction(FeedToken._meta.db):
        await locked(Person.select(Person.id).where(Person.id == user.person_id)).run()
        query = (FeedToken.person == user.person_id) & (FeedToken.kind == data.kind)
        query &= (
            FeedToken.organization.is_null() if organization_id is None else (FeedToken.organization == organization_id)
        )
        if await FeedToken.exists().where(query):
            raise Conflict(_("you have this feed already; rotate it to get a new address"), field="kind")
        row = await FeedToken.insert(
            FeedToken(
                kind=data.kind, person=user.person_id, organization=organization_id, token_hash=hash_feed_token(raw)
            )
        )
        feed_id = int(row[0]["id"])
        await audit(user.person_id, "feed.created", "calendar_feed", feed_id, kind=data.kind)
    return await _created(user, feed_id, raw, settings)


async def _created(user: SignedIn, feed_id: int, raw: str, settings: Settings) -> FeedCreated:
    feed = next(f for f in await list_feeds(user) if f.id == feed_id)
    url, webcal = feed_urls(settings, raw)
    return FeedCreated(feed=feed, url=url, webcal_url=webcal)


async def _own_feed(user: SignedIn, feed_id: int) -> dict[str, Any]:
    row = await locked(FeedToken.select().where(FeedToken.id == feed_id)).first()
    if row is None or int(row["person"]) != user.person_id:
        raise NotFound(_("no feed %(feed_id)s", feed_id=feed_id), field="feed_id")
    return row


async def rotate_feed(user: SignedIn, feed_id: int, settings: Settings) -> FeedCreated:
    """Give the feed a new secret address; the old one answers 404 from now on."""
    raw = secrets.token_urlsafe(32)
    async with write_transaction(FeedToken._meta.db):
        await _own_feed(user, feed_id)
        await FeedToken.update({FeedToken.token_hash: hash_feed_token(raw)}).where(FeedToken.id == feed_id)
        await audit(user.person_id, "feed.rotated", "calendar_feed", feed_id)
    return await _created(user, feed_id, raw, settings)


async def revoke_feed(user: SignedIn, feed_id: int) -> None:
    async with write_transaction(FeedToken._meta.db):
        await _own_feed(user, feed_id)
        await FeedToken.delete().where(FeedToken.id == feed_id)
        await audit(user.person_id, "feed.revoked", "calendar_feed", feed_id)


@dataclass(frozen=True)
class FeedBody:
    body: bytes
    etag: str
    last_modified: datetime


class _AnsweredFeeds:
    """The feeds this process served last, each with the database's committed state read before it was built.

    A feed is served again from here while nothing has been committed since (``committed_state`` reads the
    same): a calendar client polling an unchanged feed costs no query. Any commit, anywhere, makes the next
    request build the feed again. At most ``size`` feeds are kept (the least recently served go first).
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: dict[tuple[str, str], tuple[object, FeedBody]] = {}

    def get(self, key: tuple[str, str], state: object | None) -> FeedBody | None:
        entry = self.entries.pop(key, None)
        if entry is None or state is None or entry[0] != state:
            return None
        self.entries[key] = entry
        return entry[1]

    def put(self, key: tuple[str, str], state: object | None, body: FeedBody) -> None:
        if state is None:
            return
        self.entries[key] = (state, body)
        while len(self.entries) > self.size:
            del self.entries[next(iter(self.entries))]


_answered_feeds = _AnsweredFeeds(size=2048)
# The feeds being built now, each with the committed state it is built from (requests that arrive meanwhile with
# the same state wait for it: a calendar app's many subscribers, or the same client retrying, cost one build).
_building_feeds: dict[tuple[str, str], tuple[object | None, asyncio.Future[FeedBody]]] = {}


async def feed_body(raw: str, settings: Settings, trips: FeedTrips) -> FeedBody:
    """The feed a secret token names, with its validators; unknown, rotated or no longer allowed → NotFound.

    ``trips`` tells which trips the feed shows (the trips domain's ``trips.facts.feed_trips``).
    """
    key = (hash_feed_token(raw), settings.base_url)
    state = await committed_state(FeedToken._meta.db)
    answered = _answered_feeds.get(key, state)
    if answered is not None:
        return answered
    building = _building_feeds.get(key)
    if building is not None and state is not None and building[0] == state:
        # The same feed, asked for again while it is built from the same committed state: share that build.
        try:
            return await asyncio.shield(building[1])
        except asyncio.CancelledError:
            if not building[1].cancelled():
                raise  # this request was cancelled
            # the request building it went away: build it here
    built: asyncio.Future[FeedBody] = asyncio.get_running_loop().create_future()
    _building_feeds[key] = (state, built)
    try:
        answered = await _build_feed(key[0], settings, trips)
    except Exception as error:
        built.set_exception(error)
        built.exception()  # retrieved here: no waiter may be there to retrieve it
        raise
    except BaseException:
        built.cancel()
        raise
    finally:
        if _building_feeds.get(key, (None, None))[1] is built:
            del _building_feeds[key]
    built.set_result(answered)
    _answered_feeds.put(key, state, answered)
    return answered


async def _build_feed(token_hash: str, settings: Settings, feed_trips: FeedTrips) -> FeedBody:
    row = await FeedToken.select().where(FeedToken.token_hash == token_hash).first()
    if row is None:
        raise NotFound(_("no such feed"), field="token")
    owner = await Person.select(Person.name, Person.deleted_at, Person.locale).where(Person.id == row["person"]).first()
    roles = frozenset(
        r["role"] for r in await RoleGrant.select(RoleGrant.role).where(RoleGrant.person == row["person"])
    )
    if (
        owner is None
        or owner["deleted_at"] is not None
        or not await _may_have_feed(int(row["person"]), roles, row["kind"], row["organization"])
    ):
        raise NotFound(_("no such feed"), field="token")
    organization = (
        (await _organization_names([row["organization"]])).get(row["organization"]) if row["organization"] else None
    )
    trips = await feed_trips(row["kind"], row["person"], row["organization"])
    with use_locale(owner["locale"] or DEFAULT_LOCALE):  # the feed speaks its owner's language
        events = [trip_event(trip, settings.base_url) for trip in trips]
        name = translate(_feed_name(row["kind"], organization, owner["name"]))
    # Only a traveller's own feed blocks the days; an organization's or the program's shows visits as free time.
    body = ics.feed(name, events, busy=row["kind"] == "personal")
    etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
    last_modified = _aware(row["last_modified"]).replace(microsecond=0)
    if etag != row["etag"]:
        # The body changed (an edit, an addition or a removal): move the high-water mark forward, never back.
        newest = max([_aware(event.changed) for event in events], default=last_modified)
        moment = max(newest, _now()).replace(microsecond=0)
        last_modified = max(moment, last_modified + timedelta(seconds=1)) if row["etag"] else moment
        async with write_transaction(FeedToken._meta.db):
            current = await locked(FeedToken.select(FeedToken.last_modified).where(FeedToken.id == row["id"])).first()
            if current is not None:
                last_modified = max(last_modified, _aware(current["last_modified"]).replace(microsecond=0))
                await FeedToken.update({FeedToken.etag: etag, FeedToken.last_modified: last_modified}).where(
                    FeedToken.id == row["id"]
                )
    return FeedBody(body=body, etag=etag, last_modified=last_modified)

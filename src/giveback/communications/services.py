"""The rules of the communications pages: coordinators shape the messages' templates (saved only when they
render, each change in the audit log), preview them with a real trip, go back to the default; everyone chooses
which notices reach them by e-mail, and an unsubscribe link stops one notice without a session."""

from __future__ import annotations

from typing import Any

from giveback.accounts.services import audit, recipients
from giveback.accounts.sessions import SignedIn
from giveback.calendars.events import TripFacts, trip_event, volunteer_names
from giveback.communications.schemas import MessageOut, NoticeChoice, PlaceholderOut, PreviewOut, TemplateOut
from giveback.db.engine import write_transaction
from giveback.errors import InvalidInput, PermissionDenied
from giveback.i18n import DEFAULT_LOCALE, LOCALES, _, translate, use_locale
from giveback.i18n.formatting import format_date, format_date_range
from giveback.i18n.labels import label
from giveback.mail import preferences, stored
from giveback.mail.outbox import Recipient
from giveback.mail.tables import MailTemplate
from giveback.mail.templating import (
    COMMON,
    EVERY_LANGUAGE,
    MESSAGES,
    UNSUBSCRIBE,
    Message,
    Source,
    default_source,
    message,
    render,
    sample_values,
)
from giveback.settings import Settings
from giveback.trips.facts import trip_facts
from giveback.trips.tables import Trip

ALL_LANGUAGES = "all"
"""The ``language`` that names the version for every language without its own."""


def _coordinator(user: SignedIn) -> None:
    if not user.has("coordinator", "admin"):
        raise PermissionDenied(_("only a coordinator shapes the e-mails"), field="role")


def stored_locale(language: str) -> str:
    """The stored locale a ``language`` of the API names (a locale, or ``all``); a 400 naming it otherwise."""
    if language == ALL_LANGUAGES:
        return EVERY_LANGUAGE
    if language not in LOCALES:
        choices = ", ".join([ALL_LANGUAGES, *LOCALES])
        raise InvalidInput(
            _("unknown language “%(language)s”; choose one of %(choices)s", language=language, choices=choices),
            field="language",
        )
    return language


def _language(locale: str) -> str:
    return ALL_LANGUAGES if locale == EVERY_LANGUAGE else locale


def placeholders(definition: Message) -> list[PlaceholderOut]:
    given = (*COMMON, *(UNSUBSCRIBE if definition.optional else ()), *definition.placeholders)
    return [PlaceholderOut(name=p.name, meaning=translate(_(p.meaning))) for p in given]


async def list_messages(user: SignedIn) -> list[MessageOut]:
    """Every message the platform sends, with the languages coordinators gave their own version."""
    _coordinator(user)
    versions = await stored.stored_locales()
    return [
        MessageOut(
            name=m.name,
            title=translate(_(m.title)),
            category=m.category,
            optional=m.optional,
            stored=[_language(locale) for locale in versions.get(m.name, [])],
            placeholders=placeholders(m),
        )
        for m in MESSAGES.values()
    ]


async def template(user: SignedIn, name: str, language: str) -> TemplateOut:
    """The templates a message in one language is made from now (for ``all``: the version for every language,
    or the default)."""
    _coordinator(user)
    definition, locale = message(name), stored_locale(language)
    if locale == EVERY_LANGUAGE:
        source = await stored.stored(definition, EVERY_LANGUAGE)
        version = (
            stored.Version(source, "every-language") if source else stored.Version(default_source(name), "default")
        )
    else:
        version = await stored.version_for(definition, locale)
    s = version.source
    return TemplateOut(
        message=name, language=language, origin=version.origin, subject=s.subject, text=s.text, html=s.html
    )


async def save_template(user: SignedIn, name: str, language: str, source: Source) -> TemplateOut:
    """Store a coordinator's version after checking it renders in every language (TemplateRefused naming the
    part, the line and the reason otherwise, and the version in use stays)."""
    _coordinator(user)
    definition, locale = message(name), stored_locale(language)
    async with write_transaction(MailTemplate._meta.db):
        await stored.save(definition, locale, source, actor_id=user.person_id)
        await audit(user.person_id, "mail.template_saved", "mail_template", None, message=name, language=language)
    return await template(user, name, language)


async def reset_template(user: SignedIn, name: str, language: str) -> TemplateOut:
    """Back to the default: the stored version of that language (or of every language) is dropped."""
    _coordinator(user)
    definition, locale = message(name), stored_locale(language)
    async with write_transaction(MailTemplate._meta.db):
        if await stored.reset(definition, locale):
            await audit(user.person_id, "mail.template_reset", "mail_template", None, message=name, language=language)
    return await template(user, name, language)


async def _latest_trip() -> TripFacts | None:
    row = await Trip.select(Trip.id).order_by(Trip.id, ascending=False).first()
    if row is None:
        return None
    (facts,) = await trip_facts([int(row["id"])])
    return facts


def _real_values(definition: Message, trip: TripFacts | None, reader: Recipient, settings: Settings) -> dict[str, Any]:
    """The placeholders filled from a real trip (the newest) and the reader, in the current language; what no
    record gives keeps its sample value (an invite's answer links are never real in a preview)."""
    base = settings.base_url.rstrip("/")
    values = sample_values(definition)
    values.update(reader=reader.name, site_link=f"{base}/", preferences_link=f"{base}{preferences.PREFERENCES_PATH}")
    values.update(email=reader.email, link=f"{base}/forgot-password")
    if trip is None:
        return values
    first = trip.travelling[0] if trip.travelling else None
    values.update(
        trip_title=trip.title,
        host=trip.organization_short_name or trip.organization_name,
        days=format_date_range(trip.first_day, trip.last_day),
        last_day=format_date(trip.last_day),
        location=trip_event(trip, base).location,
        volunteers=volunteer_names(trip),
        status=translate(label("trip", trip.status)),
        trip_link=f"{base}/trips/{trip.trip_id}",
        round_link=f"{base}/coordinator/rounds/",
        calendar_link=f"{base}/calendar",
        volunteer=first.name if first else values.get("volunteer", ""),
        volunteer_email=first.email if first else values.get("volunteer_email", ""),
    )
    if "trip_title" in definition.names:
        values["link"] = f"{base}/trips/{trip.trip_id}"
    return values


async def preview(user: SignedIn, name: str, language: str, source: Source | None, *, settings: Settings) -> PreviewOut:
    """The message as it would go out now to the caller, made with the newest trip: from ``source`` when given
    (not saved: TemplateRefused if it does not render), else from the version in use. A preview for ``all``
    is in the caller's language."""
    _coordinator(user)
    definition, locale = message(name), stored_locale(language)
    (reader,) = await recipients([user.person_id]) or [Recipient(user.name, user.email, DEFAULT_LOCALE, user.person_id)]
    shown_in = locale or reader.locale
    if source is None:
        current = await template(user, name, language)
        source = Source(current.subject, current.text, current.html)
    trip = await _latest_trip()
    with use_locale(shown_in):
        rendered = render(definition, source, _real_values(definition, trip, reader, settings))
    return PreviewOut(subject=rendered.subject, text=rendered.text, html=rendered.html)


# --- notices a person chooses ---------------------------------------------------------------------------------


async def notice_choices(person_id: int) -> list[NoticeChoice]:
    """For each notice, whether it reaches the person by e-mail."""
    chosen = await preferences.choices(person_id)
    return [
        NoticeChoice(message=m.name, title=translate(_(m.title)), by_email=chosen[m.name])
        for m in preferences.notices()
    ]


async def save_notice_choices(person_id: int, wanted: dict[str, bool]) -> list[NoticeChoice]:
    """Save which notices reach the person (a name that is no notice is refused, nothing changes)."""
    async with write_transaction(MailTemplate._meta.db):
        await preferences.set_choices(person_id, wanted)
        off = sorted(name for name, on in wanted.items() if not on)
        await audit(person_id, "mail.notices_chosen", "person", person_id, turned_off=off)
    return await notice_choices(person_id)


async def unsubscribe(token: str, *, settings: Settings) -> Message:
    """Stop the notice an unsubscribe link names for its person (again is harmless); returns the notice."""
    person_id, notice = preferences.read_unsubscribe_token(settings.secret_key, token)
    async with write_transaction(MailTemplate._meta.db):
        await preferences.turn_off(person_id, notice.name)
        await audit(person_id, "mail.unsubscribed", "person", person_id, message=notice.name)
    return notice


def notice_named(token: str, *, settings: Settings) -> Message:
    """The notice an unsubscribe link names (showing it changes nothing)."""
    return preferences.read_unsubscribe_token(settings.secret_key, token)[1]

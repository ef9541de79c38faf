"""The messages the platform sends, each made from a template a coordinator can shape.

Every message has a name (``report-reminder``), the placeholders it is given, and three templates: its subject,
its text part and its HTML part. The defaults are files in ``giveback/mail/templates/<name>.{subject,txt,html}``
whose texts go through the message catalogs (``{{ _("Hello %(name)s,", name=reader) }}``), so each recipient
reads them in their own language. A coordinator may store a version for one language or for every language
(``mail_template``); a stored version is checked before it is saved (``check``) and is what the next message of
that name is made from.

Templates are Jinja in a sandbox: they see only the message's placeholders (strings and yes/no values), an
unknown name, an attribute a template may not read (``reader.__class__``) or a syntax error refuses the
template with its line and the reason.
"""

from __future__ import annotations

import html
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Final, Literal

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, nodes
from jinja2.exceptions import SecurityError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from giveback.errors import InvalidInput, NotFound
from giveback.i18n import LOCALES, N_, _, current_locale, language_of, use_locale
from giveback.i18n.catalogs import translations
from giveback.i18n.formatting import format_list
from giveback.text import one_line

DEFAULTS: Final = Path(__file__).resolve().parent / "templates"
PARTS: Final = ("subject", "text", "html")
_SUFFIX: Final = {"subject": "subject", "text": "txt", "html": "html"}
LONGEST_PART: Final = 20_000
LONGEST_OUTPUT: Final = 200_000
EVERY_LANGUAGE: Final = ""
"""The ``locale`` of a stored template that serves every language without its own."""

Category = Literal["notice", "invite", "account"]


@dataclass(frozen=True)
class Placeholder:
    """A name a template may use, what it holds (for the editor) and the value a check renders it with."""

    name: str
    meaning: str
    sample: str | bool = ""


@dataclass(frozen=True)
class Message:
    """One message the platform sends. Only a ``notice`` can be turned off by its reader; invites and account
    (security) mails always go out."""

    name: str
    title: str
    category: Category
    placeholders: tuple[Placeholder, ...] = field(default_factory=tuple)

    @property
    def optional(self) -> bool:
        return self.category == "notice"

    @property
    def names(self) -> frozenset[str]:
        return frozenset(p.name for p in (*COMMON, *(UNSUBSCRIBE if self.optional else ()), *self.placeholders))


COMMON: Final = (
    Placeholder("reader", N_("the recipient's name"), "Amira Haddad"),
    Placeholder("site_link", N_("the platform's address"), "https://giveback.example.org"),
)
UNSUBSCRIBE: Final = (
    Placeholder(
        "preferences_link",
        N_("the page where the reader chooses which notices they get"),
        "https://giveback.example.org/account/notifications",
    ),
)
_TRIP = (
    Placeholder("trip_title", N_("the visit's title (the host's request)"), "Interventional oncology workshop"),
    Placeholder("host", N_("the host organization"), "Sociedad Argentina de Radiología"),
    Placeholder("days", N_("the visit's days, written in the reader's language"), "3–7 Mar 2027"),
)


def _p(name: str, meaning: str, sample: str | bool = "") -> Placeholder:
    return Placeholder(name, meaning, sample)


MESSAGES: Final[dict[str, Message]] = {
    m.name: m
    for m in (
        Message(
            "trip-invitation",
            N_("Invitation to a visit (with the calendar invite)"),
            "invite",
            (
                *_TRIP,
                _p("location", N_("where the visit takes place"), "Hospital Italiano, Argentina"),
                _p("volunteers", N_("the visiting professors on the trip"), "Amira Haddad and Li Wei"),
                _p("status", N_("the trip's state"), "invited"),
                _p("updated", N_("yes when this replaces an earlier invitation"), False),
                _p(
                    "accept_link",
                    N_("the link that accepts the place (empty for host contacts)"),
                    "https://giveback.example.org/invites/a",
                ),
                _p(
                    "decline_link",
                    N_("the link that declines the place (empty for host contacts)"),
                    "https://giveback.example.org/invites/d",
                ),
                _p("calendar_link", N_("the reader's calendars page"), "https://giveback.example.org/calendar"),
                _p("trip_link", N_("the trip's page on the platform"), "https://giveback.example.org/trips/12"),
                _p("accepted", N_("yes when the reader accepted their place already"), False),
            ),
        ),
        Message(
            "trip-cancelled",
            N_("A visit taken out of the reader's calendar"),
            "invite",
            (*_TRIP, _p("calendar_link", N_("the reader's calendars page"), "https://giveback.example.org/calendar")),
        ),
        Message(
            "report-reminder",
            N_("Reminder: a report on a visit is due"),
            "notice",
            (
                *_TRIP,
                _p("last_day", N_("the visit's last day"), "7 Mar 2027"),
                _p("link", N_("the trip's page, where the report is filed"), "https://giveback.example.org/trips/1"),
            ),
        ),
        Message(
            "volunteer-declined",
            N_("To coordinators: a volunteer declined a visit"),
            "notice",
            (
                *_TRIP,
                _p("volunteer", N_("the volunteer who declined"), "Li Wei"),
                _p("volunteer_email", N_("the volunteer's e-mail address"), "li.wei@example.org"),
                _p("nobody_left", N_("yes when nobody is left on the trip (it is declined)"), False),
                _p("trip_link", N_("the trip's page"), "https://giveback.example.org/trips/1"),
                _p("round_link", N_("the round's page"), "https://giveback.example.org/coordinator/rounds/1"),
            ),
        ),
        Message(
            "claim-waiting",
            N_("To coordinators: a claim on an organization waits for a decision"),
            "notice",
            (
                _p("claimant", N_("the person who claims the organization"), "Hana Haddad"),
                _p("organization", N_("the organization claimed"), "Sociedad Argentina de Radiología"),
                _p("claims_link", N_("the claims page"), "https://giveback.example.org/coordinator/claims"),
            ),
        ),
        Message(
            "claim-approved",
            N_("To a host contact: their claim is approved"),
            "notice",
            (
                _p("organization", N_("the organization claimed"), "Sociedad Argentina de Radiología"),
                _p("request_link", N_("the page of a new request"), "https://giveback.example.org/host/requests/new"),
            ),
        ),
        Message(
            "claim-rejected",
            N_("To a host contact: their claim is not approved"),
            "notice",
            (
                _p("organization", N_("the organization claimed"), "Sociedad Argentina de Radiología"),
                _p("reason", N_("why the coordinator refused it"), "Not on the society's board"),
                _p("host_link", N_("the host contact's page"), "https://giveback.example.org/host"),
            ),
        ),
        Message(
            "request-waiting",
            N_("To coordinators: a request waits for a decision"),
            "notice",
            (
                _p("title", N_("the request's title"), "Interventional oncology workshop"),
                _p("organization", N_("the host organization"), "SAR"),
                _p(
                    "review_link",
                    N_("the request's review page"),
                    "https://giveback.example.org/coordinator/requests/7",
                ),
            ),
        ),
        Message(
            "request-accepted",
            N_("To host contacts: their request is accepted"),
            "notice",
            (
                _p("title", N_("the request's title"), "Interventional oncology workshop"),
                _p("request_link", N_("the request's page"), "https://giveback.example.org/host/requests/7/edit"),
            ),
        ),
        Message(
            "request-declined",
            N_("To host contacts: their request is declined"),
            "notice",
            (
                _p("title", N_("the request's title"), "Interventional oncology workshop"),
                _p("reason", N_("why the coordinator declined it"), "The dates clash with the congress"),
                _p("request_link", N_("the request's page"), "https://giveback.example.org/host/requests/7/edit"),
            ),
        ),
        Message(
            "visit-proposed",
            N_("To host contacts: a round proposes a visit for their request"),
            "notice",
            (
                _p("title", N_("the request's title"), "Interventional oncology workshop"),
                _p("volunteers", N_("the volunteers proposed"), "Amira Haddad and Li Wei"),
                _p("days", N_("the visit's days, written in the reader's language"), "Mon, Mar 3 – Fri, Mar 7, 2027"),
                _p("proposals_link", N_("the host's proposals page"), "https://giveback.example.org/host/proposals/"),
            ),
        ),
        Message(
            "travel-reminder",
            N_("Reminder to a volunteer: travel checklist items still open"),
            "notice",
            (
                _p("trip_title", N_("the visit's title (the host's request)"), "Interventional oncology workshop"),
                _p("first_day", N_("the visit's first day"), "3 March 2027"),
                _p("days_left", N_("how many days are left before the first day"), "30"),
                _p("open_items", N_("the checklist items still open"), "visa and flights"),
                _p("link", N_("the trip's checklist"), "https://giveback.example.org/trips/1#checklist"),
            ),
        ),
        Message(
            "travel-reminder-host",
            N_("Reminder to host contacts: the host's checklist items still open"),
            "notice",
            (
                _p("trip_title", N_("the visit's title (the host's request)"), "Interventional oncology workshop"),
                _p("first_day", N_("the visit's first day"), "3 March 2027"),
                _p("days_left", N_("how many days are left before the first day"), "30"),
                _p("open_items", N_("the open items, one line per volunteer"), "- Amira Haddad: lodging"),
                _p("link", N_("the trip's checklist"), "https://giveback.example.org/trips/1#checklist"),
            ),
        ),
        Message(
            "account-confirm",
            N_("Confirm the e-mail address of a new account"),
            "account",
            (_p("link", N_("the confirmation link"), "https://giveback.example.org/confirm?token=t"),),
        ),
        Message(
            "account-exists",
            N_("Someone signed up with an address that has an account"),
            "account",
            (
                _p("login_link", N_("the log-in page"), "https://giveback.example.org/login"),
                _p(
                    "reset_link",
                    N_("the page where a new password is chosen"),
                    "https://giveback.example.org/forgot-password",
                ),
            ),
        ),
        Message(
            "account-reset",
            N_("A link to choose a new password"),
            "account",
            (_p("link", N_("the password link"), "https://giveback.example.org/reset-password?token=t"),),
        ),
        Message(
            "account-invitation",
            N_("Invitation to claim an imported account"),
            "account",
            (
                _p("email", N_("the account's e-mail address"), "amira@example.org"),
                _p(
                    "link",
                    N_("the page where the reader asks for a password link"),
                    "https://giveback.example.org/forgot-password",
                ),
            ),
        ),
    )
}


class TemplateRefused(InvalidInput):
    """A template that does not render: ``field`` names the part (subject, text, html), the message its line
    and the reason."""


@dataclass(frozen=True)
class Source:
    """The three templates of one message, as written."""

    subject: str
    text: str
    html: str

    def part(self, name: str) -> str:
        return str(getattr(self, name))


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str
    html: str


class _Sandbox(SandboxedEnvironment):
    """The sandbox, also refusing ``*`` and ``**`` that would make a huge string or number."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**" and (not isinstance(right, int) or abs(right) > 64):
            raise SecurityError(str(_("a power in a template may not exceed 64")))
        if operator == "*" and isinstance(left, str | int) and isinstance(right, str | int):
            sizes = [len(v) if isinstance(v, str) else 1 for v in (left, right)]
            counts = [abs(v) for v in (left, right) if isinstance(v, int)]
            if any(isinstance(v, str) for v in (left, right)) and max(sizes) * max(counts or [1]) > LONGEST_OUTPUT:
                raise SecurityError(str(_("a repeated text in a template may not be that long")))
        return super().call_binop(context, operator, left, right)


def _gettext(message: str) -> str:
    return translations(current_locale()).gettext(message)


def _ngettext(singular: str, plural: str, count: int) -> str:
    return translations(current_locale()).ngettext(singular, plural, count)


def _pgettext(context: str, message: str) -> str:
    return translations(current_locale()).pgettext(context, message)


def _npgettext(context: str, singular: str, plural: str, count: int) -> str:
    return translations(current_locale()).npgettext(context, singular, plural, count)


_URL = re.compile(r"https?://[^\s<>\"']+")


def _linked(block: Markup) -> Markup:
    out, last = Markup(""), 0
    for found in _URL.finditer(block):
        address = html.unescape(found.group())
        out += block[last : found.start()] + Markup('<a href="{0}">{0}</a>').format(address)
        last = found.end()
    return out + block[last:]


def paragraphs(text: str) -> Markup:
    """A text as HTML paragraphs (blank lines part them, a line end is a ``<br>``), its web addresses as links."""
    blocks = [block.strip() for block in escape(text).split("\n\n") if block.strip()]
    shown = [Markup("<p>{}</p>").format(_linked(block).replace("\n", Markup("<br>\n"))) for block in blocks]
    return Markup("\n").join(shown)


def _environment(autoescape: bool) -> SandboxedEnvironment:
    environment = _Sandbox(
        autoescape=autoescape,
        undefined=StrictUndefined,
        extensions=["jinja2.ext.i18n"],
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=True, pgettext=_pgettext, npgettext=_npgettext
    )
    environment.filters["listing"] = format_list
    environment.filters["paragraphs"] = paragraphs
    return environment


ENVIRONMENTS: Final = {"subject": _environment(False), "text": _environment(False), "html": _environment(True)}
BUILT_IN: Final = frozenset(ENVIRONMENTS["text"].globals)


def message(name: str) -> Message:
    """The message of a name (NotFound naming it otherwise)."""
    found = MESSAGES.get(name)
    if found is None:
        raise NotFound(_("there is no message “%(name)s”", name=name), field="message")
    return found


@cache
def default_source(name: str) -> Source:
    """The repository's default templates of a message."""
    parts = {part: (DEFAULTS / f"{name}.{_SUFFIX[part]}").read_text(encoding="utf-8") for part in PARTS}
    return Source(**parts)


def _line_of(error: BaseException) -> int | None:
    """The template line a render error happened on (Jinja puts template frames in the traceback)."""
    lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == "<template>"]
    return lines[-1] if lines else None


def _refuse(part: str, line: int | None, reason: str) -> TemplateRefused:
    part_name = {"subject": _("subject"), "text": _("text part"), "html": _("HTML part")}[part]
    if line is None:
        return TemplateRefused(_("%(part)s: %(reason)s", part=part_name, reason=reason), field=part)
    return TemplateRefused(
        _("%(part)s, line %(line)d: %(reason)s", part=part_name, line=line, reason=reason), field=part
    )


def _assigned(tree: nodes.Template) -> set[str]:
    """Names the template sets itself (``{% set %}``, loop variables, macro arguments)."""
    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    return names | {"loop", "caller", "varargs", "kwargs"}


def _compile(definition: Message, part: str, source: str) -> Any:
    """The compiled template, or TemplateRefused naming the line of a syntax error or an unknown placeholder."""
    environment = ENVIRONMENTS[part]
    if len(source) > LONGEST_PART:
        raise _refuse(part, None, str(_("at most %(count)d characters", count=LONGEST_PART)))
    try:
        tree = environment.parse(source)
        known = definition.names | BUILT_IN | _assigned(tree)
        for name in tree.find_all(nodes.Name):
            if name.ctx == "load" and name.name not in known:
                allowed = ", ".join(sorted(definition.names))
                reason = _(
                    "unknown placeholder “%(name)s”; this message knows %(names)s", name=name.name, names=allowed
                )
                raise _refuse(part, name.lineno, str(reason))
        return environment.from_string(source)
    except TemplateSyntaxError as error:
        raise _refuse(part, error.lineno, error.message or str(error)) from None


def _render_part(definition: Message, part: str, source: str, values: Mapping[str, Any]) -> str:
    template = _compile(definition, part, source)
    try:
        output = str(template.render(values))
    except SecurityError as error:
        raise _refuse(
            part, _line_of(error), str(_("not allowed in a template: %(reason)s", reason=str(error)))
        ) from None
    except UndefinedError as error:
        raise _refuse(part, _line_of(error), str(_("no such value: %(reason)s", reason=str(error)))) from None
    except (TemplateError, TypeError, ValueError, ArithmeticError) as error:
        raise _refuse(part, _line_of(error), str(error)) from None
    if len(output) > LONGEST_OUTPUT:
        raise _refuse(
            part, None, str(_("the message comes out longer than %(count)d characters", count=LONGEST_OUTPUT))
        )
    return output


def sample_values(definition: Message) -> dict[str, Any]:
    """Every placeholder with its sample value (what a check renders a template with)."""
    return {p.name: p.sample for p in (*COMMON, *UNSUBSCRIBE, *definition.placeholders)}


def render(definition: Message, source: Source, values: Mapping[str, Any]) -> Rendered:
    """The message in the current language; TemplateRefused when a part does not render."""
    missing = sorted(definition.names - set(values))
    if missing:
        raise ValueError(f"{definition.name}: values missing for {', '.join(missing)}")
    parts = {part: _render_part(definition, part, source.part(part), values) for part in PARTS}
    return Rendered(
        subject=one_line(parts["subject"]), text=parts["text"].strip() + "\n", html=_document(parts["html"])
    )


def _document(body: str) -> str:
    """The HTML part's body (rendered with autoescape) in a document in the reader's language and direction."""
    language = language_of(current_locale())
    head = f'<!doctype html>\n<html lang="{language.tag}" dir="{language.direction}"><head><meta charset="utf-8">'
    return f"{head}</head><body>\n{body}\n</body></html>\n"


def check(definition: Message, source: Source) -> None:
    """Refuse a template that does not render, with the part, its line and the reason: it is rendered with the
    sample values in every language the platform speaks."""
    for locale in LOCALES:
        with use_locale(locale):
            render(definition, source, sample_values(definition))

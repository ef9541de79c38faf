"""Every page in the pseudo-locale: any English word on it that did not come from a catalog fails the test.

In ``en-XA`` every text of a catalog (gettext, pycountry's country and language names, Babel's month names,
topic names) comes out accented and wrapped in ⟦ ⟧. What is left once those are taken out must be the records'
own data (names, titles, e-mail addresses, codes): a word of English there is a text no catalog holds.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from html.parser import HTMLParser

import httpx
from access_world import ROLES, World, build_world
from litestar import Litestar
from litestar.routes import HTTPRoute

from giveback.accounts.tables import ApiToken, Person
from giveback.hosts.tables import HostRequest
from giveback.organizations.tables import Organization
from giveback.rounds.tables import MatchRound
from giveback.rounds.worker import work_once
from giveback.volunteers.tables import VolunteerProfile

PSEUDO = {"accept": "text/html", "accept-language": "en-XA"}
# Words that are not English texts: the product's name, and what the pages show of codes and addresses.
NOT_TEXT = {"Giveback", "UTC", "UID", "https", "http", "webcal", "ics", "testserver", "local", "example", "org"}
_VISIBLE_ATTRIBUTES = ("title", "alt", "placeholder", "aria-label")


class VisibleText(HTMLParser):
    """The text a person reads on a page (and hears: labels for screen readers), outside scripts and styles,
    identifiers shown as code (``<code>``: a topic's slug), and elements marked as another language than the
    page's (the language chooser's own names)."""

    def __init__(self, page_language: str) -> None:
        super().__init__()
        self.page_language = page_language
        self.parts: list[str] = []
        self.hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        other_language = values.get("lang") not in (None, self.page_language)
        if tag in ("script", "style", "code") or other_language:
            if tag not in ("input", "br", "img", "meta", "link"):
                self.hidden.append(tag)
            return
        if self.hidden:
            return
        self.parts.extend(values[name] or "" for name in _VISIBLE_ATTRIBUTES if values.get(name))
        if tag == "input" and values.get("type") in ("submit", "button"):
            self.parts.append(values.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if self.hidden and self.hidden[-1] == tag:
            self.hidden.pop()

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


def untranslated_words(page: str, data_words: set[str]) -> set[str]:
    """The English words of the page that no catalog wrapped, data left aside."""
    match = re.search(r'<html lang="([^"]+)"', page)
    assert match and match.group(1) == "en-XA", page[:200]
    parser = VisibleText("en-XA")
    parser.feed(page)
    text = " ".join(parser.parts)
    while True:  # innermost first: a translated text may hold translated values
        stripped = re.sub(r"⟦[^⟦⟧]*⟧", " ", text)
        if stripped == text:
            break
        text = stripped
    words = set(re.findall(r"[A-Za-z]{2,}", text))
    return {word for word in words if word not in data_words and word not in NOT_TEXT}


async def _data_words() -> set[str]:
    """Every word of the records the pages show: they are data, not texts to translate."""
    values: list[str] = []
    for row in await Person.select(Person.name, Person.email):
        values += [row["name"], row["email"]]
    for row in await Organization.select(Organization.name, Organization.short_name, Organization.website):
        values += [row["name"], row["short_name"], row["website"]]
    for row in await HostRequest.select(HostRequest.title, HostRequest.notes):
        values += [row["title"], row["notes"]]
    values += [row["name"] for row in await MatchRound.select(MatchRound.name)]
    values += [row["name"] for row in await ApiToken.select(ApiToken.name)]  # named by their owners
    for row in await VolunteerProfile.select(VolunteerProfile.institution, VolunteerProfile.bio):
        values += [row["institution"], row["bio"]]
    return {word for value in values for word in re.findall(r"[A-Za-z]{2,}", value or "")}


def page_routes(app: Litestar) -> list[str]:
    """Every page a browser GETs (the JSON API, the schema, static files and feeds aside)."""
    paths = []
    for route in app.routes:
        wanted = not route.path.startswith(("/api", "/schema", "/static", "/feeds", "/health"))
        if isinstance(route, HTTPRoute) and "GET" in route.route_handler_map and wanted:
            paths.append(route.path)
    return sorted(paths)


# Refused forms, so that the messages of the rules (the services' domain errors, the forms' own checks) show.
REFUSED_FORMS = [
    ("anonymous", "/signup", {"name": "X", "email": "not-an-address", "password": "short", "roles": "volunteer"}),
    ("volunteer", "/volunteer/availability", {"start": "2020-01-10", "end": "2020-01-05"}),
    ("volunteer", "/volunteer/profile", {"name": "Vol", "country": "ZZ", "trips_per_year": "9"}),
    ("host", "/host/requests/new", {"title": "", "duration_days": "100"}),
    ("host", "/host/organizations", {"kind": "society", "name": "A", "country": "XX"}),
    ("coordinator", "/coordinator/rounds/", {"name": "r", "period_start": "2031-05-01", "period_end": "2031-01-01"}),
    ("coordinator", "/coordinator/topics/", {"slug": "venous", "name": "Venous again"}),
    ("coordinator", "/coordinator/topics/venous", {"names.fr": "V"}),
    ("coordinator", "/coordinator/claims/999999/reject", {"reason": ""}),
]


async def test_every_page_comes_from_the_catalogs(
    new_client: Callable[[], httpx.AsyncClient], inbox: object, running_app: Litestar
) -> None:
    world: World = await build_world(new_client, inbox)
    assert await work_once("pseudo-locale")  # the round gets a solved run: proposals, scores, unmatched
    data_words = await _data_words()
    pages = page_routes(running_app)
    assert len(pages) > 25, pages
    rendered, problems = 0, []
    for role in ROLES:
        await world.ensure_signed_in(role)
        client = world.clients[role]
        for template in pages:
            path = world.path(template, role)
            answer = await client.get(path, headers=PSEUDO)
            if answer.status_code in (303, 401, 403, 404, 405) or "text/html" not in answer.headers.get(
                "content-type", ""
            ):
                continue
            assert answer.status_code < 500, f"{path} as {role}: {answer.status_code}"
            rendered += 1
            assert answer.headers["content-language"] == "en-XA"
            left = untranslated_words(answer.text, data_words)
            if left:
                problems.append(f"{path} as {role}: {sorted(left)}")
    for role, path, form in REFUSED_FORMS:
        client = world.clients[role]
        token = client.headers.get("X-CSRF-Token") or client.cookies.get("giveback_csrf") or ""
        answer = await client.post(path, data={"csrf_token": token, **form}, headers={**PSEUDO, "X-CSRF-Token": ""})
        assert 400 <= answer.status_code < 500, f"{path} as {role}: {answer.status_code}"
        rendered += 1
        left = untranslated_words(answer.text, data_words)
        if left:
            problems.append(f"refused {path} as {role}: {sorted(left)}")
    assert rendered > 40, rendered
    assert not problems, "texts that no catalog holds:\n" + "\n".join(problems)

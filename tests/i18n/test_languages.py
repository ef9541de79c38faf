"""The page's language: a signed-in person's saved choice, else the chooser's cookie, else Accept-Language;
``lang``/``dir`` and ``Content-Language`` follow it; the JSON API stays English; names come in that language."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx
from helpers import log_in, member

from giveback.accounts.tables import Person
from giveback.topics.tables import TopicName

HTML = {"accept": "text/html"}


def html_tag(page: httpx.Response) -> str:
    match = re.search(r"<html [^>]*>", page.text)
    assert match, page.text[:200]
    return match.group(0)


async def test_accept_language_picks_the_page_language_and_direction(client: httpx.AsyncClient) -> None:
    spanish = await client.get("/organizations/", headers={**HTML, "accept-language": "es-AR,es;q=0.9,en;q=0.5"})
    assert html_tag(spanish) == '<html lang="es" dir="ltr">'
    assert spanish.headers["content-language"] == "es"
    assert "Accept-Language" in spanish.headers["vary"]
    assert "Sociedades y hospitales anfitriones" in spanish.text
    assert "Brasil" in spanish.text  # the seeded Brazilian society's country, from pycountry's catalog

    arabic = await client.get("/", headers={**HTML, "accept-language": "ar-EG"})
    assert html_tag(arabic) == '<html lang="ar" dir="rtl">'
    assert arabic.headers["content-language"] == "ar"
    assert "الجمعيات المضيفة" in arabic.text

    # Weights decide, then order; traditional Chinese is not simplified Chinese, Brazilian Portuguese serves pt.
    weighted = await client.get("/", headers={**HTML, "accept-language": "de;q=1, fr;q=0.4, pt;q=0.8"})
    assert weighted.headers["content-language"] == "pt-BR"
    traditional = await client.get("/", headers={**HTML, "accept-language": "zh-TW, zh-Hant"})
    assert traditional.headers["content-language"] == "en"
    simplified = await client.get("/", headers={**HTML, "accept-language": "zh-CN"})
    assert html_tag(simplified) == '<html lang="zh-Hans" dir="ltr">'
    nonsense = await client.get("/", headers={**HTML, "accept-language": ";;q=x,,*"})
    assert nonsense.status_code == 200 and nonsense.headers["content-language"] == "en"


async def test_the_chooser_keeps_the_language_in_a_cookie(client: httpx.AsyncClient) -> None:
    home = await client.get("/", headers=HTML)
    token = client.cookies["giveback_csrf"]
    assert 'action="/language"' in home.text and 'lang="ar"' in home.text  # every page offers the chooser
    chosen = await client.post(
        "/language", data={"csrf_token": token, "locale": "fr", "next": "/requests/?region=africa"}, headers=HTML
    )
    assert chosen.status_code == 303 and chosen.headers["location"] == "/requests/?region=africa"
    assert "giveback_locale=fr" in chosen.headers["set-cookie"]
    # The cookie wins over the browser's language.
    page = await client.get("/requests/?region=africa", headers={**HTML, "accept-language": "es"})
    assert page.headers["content-language"] == "fr"
    assert "Demandes de professeurs invités" in page.text

    refused = await client.post("/language", data={"csrf_token": token, "locale": "xx"}, headers=HTML)
    assert refused.status_code == 400
    elsewhere = await client.post(
        "/language", data={"csrf_token": token, "locale": "ar", "next": "//evil.example/"}, headers=HTML
    )
    assert elsewhere.headers["location"] == "/"
    forged = await client.post("/language", data={"csrf_token": "forged", "locale": "ar"}, headers=HTML)
    assert forged.status_code == 403


async def test_a_signed_in_persons_saved_language_wins(
    new_client: Callable[[], httpx.AsyncClient], inbox: object
) -> None:
    browser = new_client()
    person_id = await member(browser, inbox, "amina@example.org", ["volunteer"])
    chosen = await browser.post("/language", data={"locale": "ar", "next": "/account"}, headers=HTML)
    assert chosen.status_code == 303
    saved = await Person.select(Person.locale).where(Person.id == person_id).first()
    assert saved == {"locale": "ar"}

    # Another browser, another cookie and browser language: once signed in, the saved choice shows.
    laptop = new_client()
    await log_in(laptop, "amina@example.org")
    laptop.cookies.set("giveback_locale", "es")
    account = await laptop.get("/account", headers={**HTML, "accept-language": "fr"})
    assert account.headers["content-language"] == "ar" and 'dir="rtl"' in account.text
    assert "حسابك" in account.text


async def test_the_json_api_keeps_english(client: httpx.AsyncClient) -> None:
    answer = await client.get("/api/topics/", headers={"accept-language": "fr"})
    assert "content-language" not in answer.headers
    refused = await client.get("/api/dashboard/program", headers={"accept-language": "fr"})
    assert refused.status_code == 401 and refused.json()["detail"] == "log in first"
    topic = next(t for t in answer.json() if t["slug"] == "venous")
    assert topic["name"] == "Venous disease, DVT/PE" and topic["names"]["fr"] == "Maladie veineuse, TVP/EP"


async def test_topic_names_per_language_with_english_as_the_fallback(
    new_client: Callable[[], httpx.AsyncClient], inbox: object
) -> None:
    coordinator = new_client()
    await member(coordinator, inbox, "coord@example.org", ["coordinator"])
    page = await coordinator.get("/coordinator/topics/", headers=HTML)
    assert 'name="names.zh_Hans"' in page.text and "Names in other languages" in page.text
    saved = await coordinator.post(
        "/coordinator/topics/venous", data={"names.fr": "  Veines et thromboses ", "names.es": ""}, headers=HTML
    )
    assert saved.status_code == 303
    assert await TopicName.select(TopicName.name).where(
        (TopicName.topic == "venous") & (TopicName.locale == "fr")
    ).first() == {"name": "Veines et thromboses"}
    assert not await TopicName.exists().where((TopicName.topic == "venous") & (TopicName.locale == "es"))

    home_fr = await coordinator.get("/", headers={**HTML, "accept-language": "fr"})
    home_es = await coordinator.get("/", headers={**HTML, "accept-language": "es"})
    assert "Veines et thromboses" in home_fr.text
    assert "Venous disease, DVT/PE" in home_es.text  # no Spanish name any more: the English one
    assert "Enfermedad arterial y EAP" in home_es.text

    refused = await coordinator.post("/coordinator/topics/venous", data={"names.fr": "V"}, headers=HTML)
    assert refused.status_code == 400 and "at least 2 characters" in refused.text
    unknown = await coordinator.patch("/api/topics/venous", json={"names": {"de": "Venen"}})
    assert unknown.status_code == 400 and unknown.json()["field"] == "names.de"

"""Journeys 7 and 8: the platform in Arabic (right to left, mirrored, never scrolling sideways) and in Spanish
(chosen with the language chooser, kept for the signed-in volunteer). Short on purpose: the pseudo-locale test
(tests/i18n) covers every page's texts; these check what only a browser shows."""

from __future__ import annotations

from typing import Any

import pytest
from babel.dates import format_date
from e2e_steps import api_volunteer, expect, in_days, log_in
from e2e_support import PASSWORD, Actor, LiveServer, no_sideways_scroll


async def nav(actor: Actor, name: str) -> None:
    """Follow a link of the main navigation (its own label is translated too)."""
    await actor.page.locator("header nav").get_by_role("link", name=name, exact=True).click()


async def left_of(page: Any, left: Any, right: Any) -> bool:
    """Whether ``left`` ends where ``right`` starts, or further left."""
    a, b = await left.bounding_box(), await right.bounding_box()
    return bool(a and b and a["x"] + a["width"] <= b["x"] + 1)


@pytest.mark.journey("7-arabic")
async def test_an_arabic_reader_gets_mirrored_pages(actors: Any, live_server: LiveServer) -> None:
    reader = await actors("reader", locale="ar-EG")
    page = reader.page
    await reader.goto("/")
    await expect(page.locator("html")).to_have_attribute("dir", "rtl")
    await expect(page.locator("html")).to_have_attribute("lang", "ar")
    await expect(page.get_by_role("heading", level=1)).to_have_text("درّس في الخارج. استضف أستاذًا زائرًا.")
    # Mirrored: the product's name at the right of the header, the navigation to its left.
    main_nav = page.get_by_role("navigation", name="الرئيسية")
    assert await left_of(page, main_nav.get_by_role("link", name="الجمعيات المضيفة"), page.locator(".brand"))
    await no_sideways_scroll(reader)
    await reader.check("home")

    await nav(reader, "الجمعيات المضيفة")
    await expect(page.get_by_role("heading", level=1)).to_have_text("الجمعيات والمستشفيات المضيفة")
    # The table reads from the right: the organization first, then its country (in Arabic), then its region.
    organization = page.get_by_role("columnheader", name="الجهة")
    country = page.get_by_role("columnheader", name="الدولة")
    assert await left_of(page, country, organization)
    await expect(page.get_by_role("cell", name="البرازيل").first).to_be_visible()
    await no_sideways_scroll(reader)
    await reader.check("organizations")
    await reader.shot("organizations-viewport", full_page=False)  # the README's Arabic screenshot

    await nav(reader, "نمو البرنامج")
    await expect(page.get_by_role("heading", level=1)).to_have_text("نمو البرنامج")
    await no_sideways_scroll(reader)
    await reader.check("dashboard")

    # A refused form speaks Arabic too, its messages next to their fields.
    await nav(reader, "إنشاء حساب")
    await page.get_by_role("button", name="إنشاء حساب").click()
    await expect(page.get_by_role("alert")).to_contain_text("يرجى تصحيح")
    await expect(page.locator("#e-name")).to_be_visible()
    # The field's label starts at the right, where the field starts.
    label, field = (
        await page.locator('label[for="f-name"]').bounding_box(),
        await page.get_by_label("الاسم الكامل").bounding_box(),
    )
    assert label and field and abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 2
    await no_sideways_scroll(reader)
    await reader.check("signup-refused")

    phone = await actors("phone", locale="ar", width=375, height=800)
    for path in ("/organizations/", "/volunteers/", "/requests/", "/signup"):
        await phone.goto(path)
        await expect(phone.page.locator("html")).to_have_attribute("dir", "rtl")
        await no_sideways_scroll(phone)
    await phone.check("phone-signup")


@pytest.mark.journey("8-spanish")
async def test_a_spanish_volunteer_chooses_the_language(actors: Any, live_server: LiveServer, api: Any) -> None:
    start, end = in_days(40), in_days(60)
    await api_volunteer(
        api(), live_server, "lucia@example.org", expertise={"venous": 3}, languages=["es"], windows=[(start, end)]
    )
    volunteer = await actors("lucia")  # an English browser: she picks Spanish herself
    page = volunteer.page
    await log_in(volunteer, "lucia@example.org")
    await page.get_by_label("Language").select_option("es")
    await page.get_by_role("button", name="Change language").click()
    await expect(page.locator("html")).to_have_attribute("lang", "es")
    await expect(page.get_by_role("button", name="Cerrar sesión")).to_be_visible()

    await nav(volunteer, "Disponibilidad")
    await expect(page.get_by_role("heading", level=1)).to_have_text("Mi disponibilidad")
    await expect(page.get_by_role("rowheader", name=format_date(start, "medium", locale="es"))).to_be_visible()
    await volunteer.check("availability")  # the README's Spanish screenshot

    await nav(volunteer, "Mi perfil")
    await expect(page.get_by_label("País en el que reside")).to_contain_text("Estados Unidos")
    await page.get_by_label("Viajes por año").fill("9")
    await page.get_by_role("button", name="Guardar perfil").click()
    await expect(page.get_by_role("alert")).to_contain_text("El perfil aún no está guardado")
    await expect(page.locator("#e-trips_per_year")).to_have_text("Elija de 1 a 6 viajes al año")
    await volunteer.check("profile-refused")

    # Her choice is saved with her account: another browser shows Spanish as soon as she logs in.
    laptop = await actors("lucia-laptop", locale="fr-FR")
    await laptop.goto("/login")
    await expect(laptop.page.locator("html")).to_have_attribute("lang", "fr")
    await laptop.page.get_by_label("Adresse e-mail").fill("lucia@example.org")
    await laptop.page.get_by_label("Mot de passe").fill(PASSWORD)
    await laptop.page.get_by_role("button", name="Se connecter").click()
    await expect(laptop.page.locator("html")).to_have_attribute("lang", "es")
    await nav(laptop, "Crecimiento del programa")
    await expect(laptop.page.get_by_role("heading", level=1)).to_have_text("El crecimiento del programa")
    await laptop.check("dashboard")

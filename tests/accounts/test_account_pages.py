"""The sign-up, confirmation, log-in and password pages work as plain HTML forms."""

from __future__ import annotations

import re

import httpx
from helpers import PASSWORD

from giveback.accounts.tables import Person

HTML = {"accept": "text/html"}


def csrf_of(page: httpx.Response) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert match, "the form carries no CSRF token"
    return match.group(1)


async def test_sign_up_confirm_log_in_and_out_through_the_pages(client: httpx.AsyncClient, inbox) -> None:
    form = await client.get("/signup", headers=HTML)
    assert form.status_code == 200
    token = csrf_of(form)
    done = await client.post(
        "/signup",
        data={
            "csrf_token": token,
            "name": "Kofi Mensah",
            "email": "kofi@example.org",
            "password": PASSWORD,
            "roles": ["volunteer", "host"],
        },
    )
    assert done.status_code == 200
    assert "Check your e-mail" in done.text

    link = inbox.link_to("kofi@example.org", "/confirm")
    confirm_page = await client.get(link, headers=HTML)
    confirmed = await client.post(
        "/confirm", data={"csrf_token": csrf_of(confirm_page), "token": link.split("token=")[1]}
    )
    assert confirmed.status_code == 303
    assert confirmed.headers["location"] == "/login?confirmed=1"

    login_page = await client.get("/login?next=/account", headers=HTML)
    logged_in = await client.post(
        "/login",
        data={"csrf_token": csrf_of(login_page), "email": "kofi@example.org", "password": PASSWORD, "next": "/account"},
    )
    assert logged_in.status_code == 303
    assert logged_in.headers["location"] == "/account"
    account = await client.get("/account", headers=HTML)
    assert "Kofi Mensah" in account.text
    assert "host and volunteer" in account.text

    out = await client.post("/logout", data={"csrf_token": csrf_of(account)})
    assert out.status_code == 303
    assert (await client.get("/account", headers=HTML)).status_code == 303


async def test_a_bad_sign_up_form_shows_the_message_next_to_the_field(client: httpx.AsyncClient, inbox) -> None:
    token = csrf_of(await client.get("/signup", headers=HTML))
    response = await client.post(
        "/signup",
        data={
            "csrf_token": token,
            "name": "Short Pass",
            "email": "short@example.org",
            "password": "tiny",
            "roles": "volunteer",
        },
    )
    assert response.status_code == 400
    assert re.search(r'id="e-password">Enter at least 12 characters<', response.text)
    # A form of several fields also lists its messages at the top, each linking to its field.
    summary = re.search(r'<div class="alert error-summary" role="alert">(.*?)</div>', response.text, re.S)
    assert summary, "no error summary"
    assert '<li><a href="#f-password">Password</a>: Enter at least 12 characters</li>' in summary.group(1)
    assert 'id="f-password"' in response.text
    assert 'value="short@example.org"' in response.text
    assert await Person.count() == 0


async def test_a_one_field_form_shows_its_message_next_to_the_field_only(client: httpx.AsyncClient, inbox) -> None:
    token = csrf_of(await client.get("/forgot-password", headers=HTML))
    response = await client.post("/forgot-password", data={"csrf_token": token, "email": "x" * 400})
    assert response.status_code == 400
    assert re.search(r'<p class="field-error" id="e-email">[^<]+</p>', response.text)
    assert "error-summary" not in response.text


async def test_a_form_post_without_its_csrf_token_is_refused(client: httpx.AsyncClient, inbox) -> None:
    await client.get("/signup", headers=HTML)
    response = await client.post(
        "/signup",
        data={"name": "No Token", "email": "nt@example.org", "password": PASSWORD, "roles": "volunteer"},
        headers=HTML,
    )
    assert response.status_code == 403
    assert await Person.count() == 0


async def test_wrong_credentials_re_render_the_log_in_form(client: httpx.AsyncClient, inbox) -> None:
    token = csrf_of(await client.get("/login", headers=HTML))
    response = await client.post(
        "/login", data={"csrf_token": token, "email": "who@example.org", "password": "not the one!"}
    )
    assert response.status_code == 401
    assert "the e-mail address or the password is wrong" in response.text
    assert 'value="who@example.org"' in response.text


async def test_log_in_never_redirects_off_site(client: httpx.AsyncClient, inbox) -> None:
    page = await client.get("/login?next=//evil.example/steal", headers=HTML)
    assert 'name="next" value="/"' in page.text


async def test_forgot_password_page_answers_the_same_for_unknown_addresses(client: httpx.AsyncClient, inbox) -> None:
    token = csrf_of(await client.get("/forgot-password", headers=HTML))
    response = await client.post("/forgot-password", data={"csrf_token": token, "email": "nobody@example.org"})
    assert response.status_code == 200
    assert "If an account has this address" in response.text
    assert inbox.messages == []

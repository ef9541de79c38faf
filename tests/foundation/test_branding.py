"""A society's own program: its name, logo, colours and footer on every page, from the settings."""

from __future__ import annotations

import html
import re
from pathlib import Path

import msgspec
import pytest

from giveback.settings import Settings, SettingsError

LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


async def test_the_pages_show_the_programs_name_logo_colours_and_footer(
    settings: Settings, temp_dir: Path, client_with
) -> None:
    (temp_dir / "logo.svg").write_bytes(LOGO)
    branded = msgspec.structs.replace(
        settings,
        program_name="Société d'Imagerie — Giveback",
        logo_path=str(temp_dir / "logo.svg"),
        brand_color="#5a1e6e",
        brand_text_color="#fffbe6",
        footer_text="Run by the Société d'Imagerie Interventionnelle, Lyon.",
    )
    branded.check()
    client = await client_with(branded)
    page = (await client.get("/organizations/")).text
    assert "<title>Host societies · Société d&#39;Imagerie — Giveback</title>" in page
    assert "Run by the Société d&#39;Imagerie Interventionnelle, Lyon." in page
    assert "interventional radiology around the world" not in page
    logo_url = html.unescape(re.search(r'<img class="brand-logo" src="([^"]+)"', page).group(1))
    css_url = html.unescape(re.search(r'<link rel="stylesheet" href="(/brand\.css[^"]+)"', page).group(1))

    logo = await client.get(logo_url)
    assert logo.status_code == 200
    assert logo.content == LOGO
    assert logo.headers["content-type"] == "image/svg+xml"
    css = await client.get(css_url)
    assert css.headers["content-type"].startswith("text/css")
    assert "--accent: #5a1e6e" in css.text
    assert "--accent-ink: #fffbe6" in css.text
    assert "immutable" in css.headers["cache-control"]
    assert (await client.get("/brand/logo.png")).status_code == 404


async def test_the_default_look_has_no_logo_and_a_stable_stylesheet(client) -> None:
    page = (await client.get("/")).text
    assert 'class="brand-logo"' not in page
    assert "· Giveback</title>" in page
    css_url = html.unescape(re.search(r'href="(/brand\.css[^"]+)"', page).group(1))
    assert "--accent: #0b6e6e" in (await client.get(css_url)).text
    assert (await client.get("/brand/logo.svg")).status_code == 404


@pytest.mark.parametrize(
    ("environ", "variable", "words"),
    [
        ({"GIVEBACK_BRAND_COLOR": "teal"}, "GIVEBACK_BRAND_COLOR", "#rrggbb"),
        ({"GIVEBACK_BRAND_TEXT_COLOR": "#fff"}, "GIVEBACK_BRAND_TEXT_COLOR", "#rrggbb"),
        ({"GIVEBACK_BRAND_COLOR": "#f0f0f0"}, "GIVEBACK_BRAND_TEXT_COLOR", "contrast"),
        ({"GIVEBACK_PROGRAM_NAME": "  "}, "GIVEBACK_PROGRAM_NAME", "1 to 80"),
        ({"GIVEBACK_LOGO_PATH": "/nowhere/logo.svg"}, "GIVEBACK_LOGO_PATH", "no file"),
        ({"GIVEBACK_LOGO_PATH": "/etc/hostname"}, "GIVEBACK_LOGO_PATH", ".svg, .png"),
        ({"GIVEBACK_METRICS_TOKEN": "short"}, "GIVEBACK_METRICS_TOKEN", "16 characters"),
        ({"GIVEBACK_TRUSTED_PROXIES": "10.0.0.1, proxy.local"}, "GIVEBACK_TRUSTED_PROXIES", "'proxy.local'"),
        ({"GIVEBACK_MAIL_BACKEND": "smtp", "GIVEBACK_SMTP_HOST": ""}, "GIVEBACK_SMTP_HOST", "SMTP server"),
    ],
)
def test_bad_branding_and_operations_settings_name_their_variable(
    environ: dict[str, str], variable: str, words: str
) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(environ)
    assert str(refused.value).startswith(f"{variable}: ")
    assert words in str(refused.value)


def test_trusted_proxies_accept_addresses_networks_and_a_star() -> None:
    settings = Settings.from_env({"GIVEBACK_TRUSTED_PROXIES": "10.0.0.5, 172.16.0.0/12, ::1"})
    assert settings.trusted_proxies == ("10.0.0.5", "172.16.0.0/12", "::1")
    assert Settings.from_env({"GIVEBACK_TRUSTED_PROXIES": "*"}).trusted_proxies == ("*",)

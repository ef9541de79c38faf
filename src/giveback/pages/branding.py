"""The program's look: its colours as a small style sheet and its logo, both from the settings.

The colours come as ``/brand.css`` (a file, not an inline style, so a strict Content-Security-Policy holds);
its URL carries a hash of the colours, so a browser fetches it again only when they change.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from litestar import Response, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.params import FromPath

from giveback.settings import LOGO_TYPES, Branding, Settings
from giveback.web.auth import WITHOUT_SESSION

A_YEAR = 365 * 24 * 3600


def brand_css(branding: Branding) -> str:
    """The colour variables every style in giveback.css reads."""
    return f":root {{ --accent: {branding.color}; --accent-ink: {branding.text_color}; }}\n"


def brand_version(branding: Branding, logo_path: str) -> str:
    """A short hash of the colours and logo, put in their URLs so that a change reaches every browser."""
    logo = Path(logo_path).read_bytes() if logo_path else b""
    return hashlib.sha256(brand_css(branding).encode() + logo).hexdigest()[:12]


def _cached(content: bytes | str, media_type: str) -> Response[bytes | str]:
    return Response(content, media_type=media_type, headers={"Cache-Control": f"public, max-age={A_YEAR}, immutable"})


@get("/brand.css", include_in_schema=False, opt={WITHOUT_SESSION: True}, sync_to_thread=False)
def brand_stylesheet(state: State) -> Response[bytes | str]:
    settings: Settings = state.settings
    return _cached(brand_css(settings.branding), "text/css")


@get("/brand/{name:str}", include_in_schema=False, opt={WITHOUT_SESSION: True}, sync_to_thread=False)
def brand_logo(state: State, name: FromPath[str]) -> Response[bytes | str]:
    settings: Settings = state.settings
    branding = settings.branding
    if not branding.logo_url or f"/brand/{name}" != branding.logo_url:
        raise NotFoundException("this program has no such logo")
    return _cached(state.brand_logo, LOGO_TYPES[Path(settings.logo_path).suffix.lower()])

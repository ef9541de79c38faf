"""The translation tests' app offers the pseudo-locale ``en-XA`` (every catalog text accented and bracketed)."""

from __future__ import annotations

import msgspec
import pytest
from litestar import Litestar

from giveback.app import create_app
from giveback.settings import Settings


@pytest.fixture
def app(settings: Settings, inbox: object) -> Litestar:
    return create_app(msgspec.structs.replace(settings, pseudo_locale=True))

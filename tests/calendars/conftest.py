"""Fixtures of the calendars tests: real calendar parsers (ical.js, libical, icalendar, ical) and a trip world."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the test modules here import calkit

import pytest
from calkit import RealClients, build_real_clients


@pytest.fixture(scope="session")
def real_clients(tmp_path_factory: pytest.TempPathFactory) -> RealClients:
    return build_real_clients(tmp_path_factory.mktemp("parsers"))

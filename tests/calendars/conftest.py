"""Fixtures of the calendars tests: real calendar parsers (ical.js, libical, icalendar, ical) and a real IMAP server
(Dovecot) as the program mailbox."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the test modules here import calkit

import pytest
from calkit import RealClients, build_real_clients
from imap_server import ImapServer, dovecot


@pytest.fixture(scope="session")
def real_clients(tmp_path_factory: pytest.TempPathFactory) -> RealClients:
    return build_real_clients(tmp_path_factory.mktemp("parsers"))


@pytest.fixture(scope="session")
def imap_server() -> Iterator[ImapServer]:
    """A real Dovecot IMAP server on loopback for the whole run (the program mailbox of the answers tests)."""
    with dovecot() as server:
        yield server

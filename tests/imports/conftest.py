"""The import's tests share one small generated program (see tests/support/workbooks.py) and a coordinator."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # the test modules here import importkit

import httpx
import pytest
from helpers import member
from workbooks import Generated, generate

from giveback.imports.export import workbook_bytes


@pytest.fixture(scope="session")
def program() -> Generated:
    return generate(seed=19)


@pytest.fixture(scope="session")
def program_xlsx(program: Generated) -> bytes:
    return workbook_bytes(program.sheets)


@pytest.fixture
async def coordinator(client: httpx.AsyncClient, inbox: object) -> httpx.AsyncClient:
    await member(client, inbox, "carla@coordinators.example", ["coordinator"])
    return client

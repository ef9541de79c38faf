"""The host tests' fixture: a coordinator and a host contact with an approved claim."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the test modules here import hostkit too

from hostkit import World, actor, make_contact, organization_id


@pytest.fixture
async def world(client: httpx.AsyncClient, new_client: Callable[[], httpx.AsyncClient]) -> World:
    coordinator = new_client()
    await actor(coordinator, "coord@example.org", ["coordinator"])
    host_id = await actor(client, "host@example.org", ["host"])
    org_id = await organization_id("SoBRICE")
    await make_contact(client, coordinator, org_id)
    return World(client, coordinator, host_id, org_id)

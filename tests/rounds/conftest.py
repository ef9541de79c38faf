"""Fixtures of the round tests."""

import pytest
from programs import Program, small_program


@pytest.fixture
async def program() -> Program:
    """Three volunteers and three requests: two can be matched, the third needs Japanese, which nobody speaks."""
    return await small_program()

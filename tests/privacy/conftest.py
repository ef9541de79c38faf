"""Fixtures of the personal-data tests."""

import pytest
from programs import Program, small_program


@pytest.fixture
async def program() -> Program:
    return await small_program()

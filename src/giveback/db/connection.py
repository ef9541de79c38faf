"""Connecting the platform's tables to the database a URL names (for the app, commands and loaders)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from piccolo.engine.base import Engine

from giveback.db.engine import close_pool, engine_for, open_pool
from giveback.piccolo_app import APP_CONFIG


def bind_tables(engine: Engine[Any]) -> None:
    """Point every table of the platform at this engine."""
    for table in APP_CONFIG.table_classes:
        table._meta.db = engine


@asynccontextmanager
async def connected(database_url: str) -> AsyncIterator[Engine[Any]]:
    """The URL's engine with every table bound to it and its pool open; the pool is closed again if opened here."""
    engine = engine_for(database_url)
    bind_tables(engine)
    opened = await open_pool(engine)
    try:
        yield engine
    finally:
        if opened:
            await close_pool(engine)

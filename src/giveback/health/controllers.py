"""``GET /health``: is the database reachable and fully migrated?"""

from __future__ import annotations

import msgspec
from litestar import Response, get
from litestar.datastructures import State
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE

from giveback.db.migrations import DatabaseNotReady, check_ready


class Health(msgspec.Struct):
    status: str
    database: str


@get("/health", tags=["health"], summary="Check the database")
async def health(state: State) -> Response[Health]:
    try:
        await check_ready(state.engine)
    except DatabaseNotReady as problem:
        return Response(Health("unavailable", str(problem)), status_code=HTTP_503_SERVICE_UNAVAILABLE)
    return Response(Health("ok", "ok"), status_code=HTTP_200_OK)

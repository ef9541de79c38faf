"""``GET /metrics``: Prometheus metrics for the operator's scraper, behind a bearer token."""

from __future__ import annotations

import hmac
from typing import Any

from litestar import Request, Response, get
from litestar.exceptions import NotAuthorizedException, NotFoundException
from prometheus_client import CONTENT_TYPE_LATEST

from giveback.observability.metrics import exposition
from giveback.settings import Settings
from giveback.web.auth import WITHOUT_SESSION


@get(
    "/metrics",
    include_in_schema=False,
    opt={WITHOUT_SESSION: True},
    cache_control=None,
)
async def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
    """Request counts and latencies, runs by state, the outbox and failing imports (Prometheus text format).

    Needs ``Authorization: Bearer <GIVEBACK_METRICS_TOKEN>``; without that setting there are no metrics (404).
    """
    settings: Settings = request.app.state.settings
    if not settings.metrics_token:
        raise NotFoundException("metrics are off: set GIVEBACK_METRICS_TOKEN to turn them on")
    presented = request.headers.get("authorization", "")
    expected = f"Bearer {settings.metrics_token}"
    if not hmac.compare_digest(presented.encode(), expected.encode()):
        raise NotAuthorizedException(
            "send the metrics token as Authorization: Bearer <token>", headers={"WWW-Authenticate": "Bearer"}
        )
    return Response(await exposition(), media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})

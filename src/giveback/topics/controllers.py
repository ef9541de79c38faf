"""Topic endpoints."""

from __future__ import annotations

from litestar import Controller, get
from litestar.params import FromQuery

from giveback.topics import services
from giveback.topics.schemas import TopicOut


class TopicApi(Controller):
    path = "/api/topics"
    tags = ["topics"]

    @get("/", summary="List expertise topics")
    async def list(self, include_retired: FromQuery[bool] = False) -> list[TopicOut]:
        return await services.list_topics(include_retired=include_retired)

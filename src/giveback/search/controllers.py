"""The coordinators' search: ``/coordinator/search`` and ``/api/search``."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from giveback.errors import DomainError
from giveback.search import services
from giveback.search.schemas import SEARCH_KINDS, Hit, SearchGroup, SearchKind
from giveback.web.auth import requires
from giveback.web.forms import page
from giveback.web.pagination import next_link, with_next_link

COORDINATORS = [requires("coordinator", "admin")]


class SearchApi(Controller):
    path = "/api/search"
    tags = ["search"]
    guards = COORDINATORS

    @get("/", summary="Search people, organizations, requests and trips (coordinators)")
    async def everything(self, q: FromQuery[str]) -> list[SearchGroup]:
        """The first ten hits of each kind for the text ``q`` (2 characters or more, case ignored); a group's
        ``next_cursor`` continues it at ``/api/search/{kind}``."""
        return await services.search(q)

    @get("/{kind:str}", summary="Page through the search hits of one kind (coordinators)")
    async def one_kind(
        self,
        request: Request[Any, Any, Any],
        kind: FromPath[SearchKind],
        q: FromQuery[str],
        cursor: FromQuery[str | None] = None,
        limit: FromQuery[int | None] = None,
    ) -> Response[list[Hit]]:
        """People, organizations, requests or trips matching ``q``; the ``Link`` header names the next page."""
        group = await services.search_kind(q, kind, cursor=cursor, limit=limit)
        return with_next_link(request, list(group.hits), group.next_cursor)


class SearchPages(Controller):
    path = "/coordinator/search"
    include_in_schema = False
    guards = COORDINATORS

    @get("/")
    async def search(
        self,
        request: Request[Any, Any, Any],
        q: FromQuery[str] = "",
        kind: FromQuery[str] = "",
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        groups: list[SearchGroup] = []
        problem = ""
        one_kind = kind if kind in SEARCH_KINDS else ""
        next_page = ""
        if q.strip():
            try:
                if one_kind:
                    group = await services.search_kind(q, one_kind, cursor=cursor)
                    groups = [group]
                    next_page = next_link(request, group.next_cursor)
                else:
                    groups = await services.search(q)
            except DomainError as refused:
                problem = refused.message
        return page(
            "search/search.html",
            q=q,
            kind=one_kind,
            groups=groups,
            next_page=next_page,
            problem=problem,
            is_admin="admin" in request.state.user.roles,
        )

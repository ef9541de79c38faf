"""Organization endpoints: the JSON API and the public directory page."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery
from litestar.response import Template

from giveback import geo
from giveback.organizations import services
from giveback.organizations.schemas import OrganizationOut
from giveback.web.openapi import PathId
from giveback.web.pagination import PageCursor, PageLimit, paged
from giveback.web.tables import Column, SortableTable

DIRECTORY = SortableTable(Column("name"), Column("country_name"), Column("region"))


class OrganizationApi(Controller):
    path = "/api/organizations"
    tags = ["organizations"]

    @get("/", summary="List host organizations")
    async def list(
        self,
        request: Request[Any, Any, Any],
        region: FromQuery[str | None] = None,
        country: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[OrganizationOut]]:
        found = await services.list_organizations(region=region, country=country, search=search)
        return paged(request, found, lambda o: (o.name, o.id), cursor, limit)

    @get("/{organization_id:int}", summary="One host organization")
    async def show(self, organization_id: PathId) -> OrganizationOut:
        return await services.get_organization(organization_id)


class OrganizationPages(Controller):
    path = "/organizations"
    include_in_schema = False

    @get("/")
    async def directory(
        self,
        request: Request[Any, Any, Any],
        region: FromQuery[str | None] = None,
        search: FromQuery[str | None] = None,
    ) -> Template:
        organizations = await services.list_organizations(region=region or None, search=search or None)
        return Template(
            "organizations/directory.html",
            context={
                "organizations": DIRECTORY.from_query(organizations, request.query_params),
                "regions": geo.REGIONS,
                "region": region or "",
                "search": search or "",
            },
        )

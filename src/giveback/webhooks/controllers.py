"""Webhooks for coordinators and admins: the API under /api/webhooks and the page /admin/webhooks."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.params import JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from giveback.errors import DomainError
from giveback.i18n import _
from giveback.web.auth import requires, signed_in_user
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect
from giveback.web.openapi import PathId, no_content
from giveback.web.pagination import PageCursor, PageLimit, next_link, with_next_link
from giveback.webhooks import services
from giveback.webhooks.delivery import EVENTS
from giveback.webhooks.schemas import DeliveryOut, EndpointCreated, EndpointIn, EndpointOut

MANAGERS = [requires("coordinator", "admin")]
PAGE_ROWS = 50
NOTICES = {
    "disabled": _("The endpoint is switched off: nothing new is posted to it."),
    "enabled": _("The endpoint is switched on again."),
    "deleted": _("The endpoint and its delivery log are removed."),
    "tested": _("A test event is on its way; its delivery is at the top of the log."),
    "redelivered": _("The delivery is queued to be posted again."),
}


class WebhookApi(Controller):
    path = "/api/webhooks"
    tags = ["webhooks"]
    guards = MANAGERS

    @get("/", summary="The webhook endpoints, with their deliveries by state")
    async def index(self) -> list[EndpointOut]:
        return await services.list_endpoints()

    @post("/", summary="Register an endpoint (its signing secret is shown this once)")
    async def create(self, data: JSONBody[EndpointIn], request: Request[Any, Any, Any]) -> EndpointCreated:
        return await services.create_endpoint(signed_in_user(request), data)

    @get("/{endpoint_id:int}", summary="One endpoint")
    async def show(self, endpoint_id: PathId) -> EndpointOut:
        return await services.endpoint_out(endpoint_id)

    @post("/{endpoint_id:int}/disable", status_code=HTTP_200_OK, summary="Switch an endpoint off")
    async def disable(self, endpoint_id: PathId, request: Request[Any, Any, Any]) -> EndpointOut:
        return await services.set_active(signed_in_user(request), endpoint_id, False)

    @post("/{endpoint_id:int}/enable", status_code=HTTP_200_OK, summary="Switch an endpoint on again")
    async def enable(self, endpoint_id: PathId, request: Request[Any, Any, Any]) -> EndpointOut:
        return await services.set_active(signed_in_user(request), endpoint_id, True)

    @delete(
        "/{endpoint_id:int}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Remove an endpoint and its delivery log",
        responses=no_content("Removed"),
    )
    async def remove(self, endpoint_id: PathId, request: Request[Any, Any, Any]) -> None:
        await services.delete_endpoint(signed_in_user(request), endpoint_id)

    @post("/{endpoint_id:int}/test", summary="Queue a webhook.test event to the endpoint")
    async def test(self, endpoint_id: PathId, request: Request[Any, Any, Any]) -> DeliveryOut:
        return await services.send_test(signed_in_user(request), endpoint_id)

    @get("/{endpoint_id:int}/deliveries", summary="The endpoint's delivery log, the newest first")
    async def deliveries(
        self, endpoint_id: PathId, request: Request[Any, Any, Any], cursor: PageCursor = None, limit: PageLimit = None
    ) -> Response[list[DeliveryOut]]:
        found = await services.deliveries(endpoint_id, cursor=cursor, limit=limit)
        return with_next_link(request, found.items, found.next_cursor)

    @post("/deliveries/{delivery_id:int}/redeliver", status_code=HTTP_200_OK, summary="Post a failed delivery again")
    async def redeliver(self, delivery_id: PathId, request: Request[Any, Any, Any]) -> DeliveryOut:
        return await services.redeliver(signed_in_user(request), delivery_id)


class WebhookPages(Controller):
    path = "/admin/webhooks"
    include_in_schema = False
    guards = MANAGERS

    @get("/")
    async def index(self, request: Request[Any, Any, Any]) -> Template:
        return await _index(request)

    @post("/")
    async def create(self, request: Request[Any, Any, Any]) -> Template:
        fields = form_fields(await request.form(), lists=("events",))
        try:
            created = await services.create_endpoint(signed_in_user(request), parse(EndpointIn, fields))
        except (FormInvalid, DomainError) as problem:
            return form_error_page(
                "admin/webhooks.html",
                problem,
                endpoints=await services.list_endpoints(),
                events=EVENTS,
                form=fields,
                created=None,
                notice="",
            )
        return await _index(request, created=created)

    @get("/{endpoint_id:int}")
    async def show(self, request: Request[Any, Any, Any], endpoint_id: PathId) -> Template:
        found = await services.deliveries(endpoint_id, cursor=request.query_params.get("cursor"), limit=PAGE_ROWS)
        return page(
            "admin/webhook.html",
            endpoint=await services.endpoint_out(endpoint_id),
            deliveries=found.items,
            next_page=next_link(request, found.next_cursor),
            notice=NOTICES.get(request.query_params.get("done", ""), ""),
        )

    @post("/{endpoint_id:int}/disable")
    async def disable(self, request: Request[Any, Any, Any], endpoint_id: PathId) -> Redirect:
        await services.set_active(signed_in_user(request), endpoint_id, False)
        return redirect(f"/admin/webhooks/{endpoint_id}?done=disabled")

    @post("/{endpoint_id:int}/enable")
    async def enable(self, request: Request[Any, Any, Any], endpoint_id: PathId) -> Redirect:
        await services.set_active(signed_in_user(request), endpoint_id, True)
        return redirect(f"/admin/webhooks/{endpoint_id}?done=enabled")

    @post("/{endpoint_id:int}/delete")
    async def remove(self, request: Request[Any, Any, Any], endpoint_id: PathId) -> Redirect:
        await services.delete_endpoint(signed_in_user(request), endpoint_id)
        return redirect("/admin/webhooks?done=deleted")

    @post("/{endpoint_id:int}/test")
    async def test(self, request: Request[Any, Any, Any], endpoint_id: PathId) -> Redirect:
        await services.send_test(signed_in_user(request), endpoint_id)
        return redirect(f"/admin/webhooks/{endpoint_id}?done=tested")

    @post("/deliveries/{delivery_id:int}/redeliver")
    async def redeliver(self, request: Request[Any, Any, Any], delivery_id: PathId) -> Redirect:
        delivery = await services.redeliver(signed_in_user(request), delivery_id)
        return redirect(f"/admin/webhooks/{delivery.endpoint_id}?done=redelivered")


async def _index(request: Request[Any, Any, Any], *, created: EndpointCreated | None = None) -> Template:
    return page(
        "admin/webhooks.html",
        endpoints=await services.list_endpoints(),
        events=EVENTS,
        created=created,
        form={},
        errors={},
        notice=NOTICES.get(request.query_params.get("done", ""), ""),
    )

"""Every endpoint, called as every role, on one's own record and on someone else's.

``ACCESS`` names the rule of every route the app serves; a route without a rule fails
``test_every_endpoint_has_an_access_rule``, so no endpoint ships without one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from access_world import NEXT_YEAR, ROLES, World, build_world
from litestar import Litestar
from litestar.routes import ASGIRoute


@dataclass(frozen=True)
class Rule:
    """Who may call a route: everyone, anyone signed in, or the roles named; ``own`` names the path
    parameter whose record must belong to a volunteer or host caller (someone else's answers 404)."""

    roles: frozenset[str] | None  # None: public
    signed_in: bool = True
    own: str | None = None

    def allows(self, role: str) -> bool:
        if self.roles is None:
            return not self.signed_in or role != "anonymous"
        return role in self.roles


PUBLIC = Rule(roles=None, signed_in=False)
SIGNED_IN = Rule(roles=None)


def only(*roles: str, own: str | None = None) -> Rule:
    return Rule(roles=frozenset(roles), own=own)


COORDINATOR = only("coordinator")
VOLUNTEER = only("volunteer")
HOST = only("host")

ACCESS: dict[str, Rule] = {
    # public pages and API
    "GET /": PUBLIC,
    "GET /health": PUBLIC,
    "GET /schema": PUBLIC,
    "GET /schema/openapi.json": PUBLIC,
    "GET /schema/swagger": PUBLIC,
    "GET /schema/{path:str}": PUBLIC,
    "GET /static/{file_path:path}": PUBLIC,
    "GET /brand.css": PUBLIC,
    "GET /brand/{name:str}": PUBLIC,
    "GET /metrics": PUBLIC,  # no role: the metrics token (tests/observability/test_metrics.py)
    "GET /organizations": PUBLIC,
    "GET /organizations/{organization_id:int}": PUBLIC,
    "GET /requests": PUBLIC,
    "GET /volunteers": PUBLIC,
    "GET /volunteers/{person_id:int}": PUBLIC,
    "GET /api/organizations": PUBLIC,
    "GET /api/organizations/{organization_id:int}": PUBLIC,
    "GET /api/topics": PUBLIC,
    "GET /api/directory/requests": PUBLIC,
    "GET /api/directory/volunteers": PUBLIC,
    "GET /api/directory/volunteers/{person_id:int}": PUBLIC,
    # signing up, in and out
    "GET /signup": PUBLIC,
    "POST /signup": PUBLIC,
    "GET /login": PUBLIC,
    "POST /login": PUBLIC,
    "GET /login/code": PUBLIC,
    "POST /login/code": PUBLIC,
    "GET /confirm": PUBLIC,
    "POST /confirm": PUBLIC,
    "GET /forgot-password": PUBLIC,
    "POST /forgot-password": PUBLIC,
    "POST /language": PUBLIC,
    "GET /reset-password": PUBLIC,
    "POST /reset-password": PUBLIC,
    "POST /api/auth/signup": PUBLIC,
    "POST /api/auth/confirm": PUBLIC,
    "POST /api/auth/resend-confirmation": PUBLIC,
    "POST /api/auth/login": PUBLIC,
    "POST /api/auth/login/second-factor": PUBLIC,
    "POST /api/auth/password-reset": PUBLIC,
    "POST /api/auth/password-reset/confirm": PUBLIC,
    "POST /api/auth/logout": SIGNED_IN,
    "POST /logout": SIGNED_IN,
    "POST /api/auth/password": SIGNED_IN,
    # one's own account and data
    "GET /api/me": SIGNED_IN,
    "GET /api/me/data": SIGNED_IN,
    "DELETE /api/me/account": SIGNED_IN,
    "GET /account": SIGNED_IN,
    "GET /account/data": SIGNED_IN,
    "POST /account/password": SIGNED_IN,
    "POST /account/delete": SIGNED_IN,
    "GET /api/auth/two-factor": SIGNED_IN,
    "POST /api/auth/two-factor/setup": SIGNED_IN,
    "POST /api/auth/two-factor/enable": SIGNED_IN,
    "POST /api/auth/two-factor/recovery-codes": SIGNED_IN,
    "POST /api/auth/two-factor/disable": SIGNED_IN,
    "GET /account/two-factor": SIGNED_IN,
    "POST /account/two-factor/setup": SIGNED_IN,
    "POST /account/two-factor/enable": SIGNED_IN,
    "POST /account/two-factor/recovery-codes": SIGNED_IN,
    "POST /account/two-factor/disable": SIGNED_IN,
    "POST /api/people/{person_id:int}/two-factor/reset": only("admin"),
    "GET /api/people": only("coordinator", "admin"),
    # API tokens
    "GET /api/account/tokens": SIGNED_IN,
    "POST /api/account/tokens": SIGNED_IN,
    "DELETE /api/account/tokens/{token_id:int}": only("volunteer", "host", "coordinator", "admin", own="token_id"),
    "GET /account/tokens": SIGNED_IN,
    "POST /account/tokens": SIGNED_IN,
    "POST /account/tokens/{token_id:int}/revoke": only("volunteer", "host", "coordinator", "admin", own="token_id"),
    "GET /api/admin/tokens": only("admin"),
    "GET /admin/tokens": only("admin"),
    "POST /admin/tokens/{token_id:int}/revoke": only("admin"),
    "PUT /api/people/{person_id:int}/roles": only("admin"),
    # administration
    "GET /api/admin/people": only("admin"),
    "POST /api/admin/people/{person_id:int}/roles/{role:str}": only("admin"),
    "DELETE /api/admin/people/{person_id:int}/roles/{role:str}": only("admin"),
    "POST /api/admin/people/{person_id:int}/disable": only("admin"),
    "POST /api/admin/people/{person_id:int}/enable": only("admin"),
    "POST /api/admin/people/{person_id:int}/confirmation": only("admin"),
    "GET /api/admin/audit": only("admin"),
    "GET /admin/people": only("admin"),
    "GET /admin/people/{person_id:int}": only("admin"),
    "POST /admin/people/{person_id:int}/roles": only("admin"),
    "POST /admin/people/{person_id:int}/disable": only("admin"),
    "POST /admin/people/{person_id:int}/enable": only("admin"),
    "POST /admin/people/{person_id:int}/confirmation": only("admin"),
    "GET /admin/audit": only("admin"),
    # webhooks: coordinators and admins
    "GET /api/webhooks": only("coordinator", "admin"),
    "POST /api/webhooks": only("coordinator", "admin"),
    "GET /api/webhooks/{endpoint_id:int}": only("coordinator", "admin"),
    "DELETE /api/webhooks/{endpoint_id:int}": only("coordinator", "admin"),
    "POST /api/webhooks/{endpoint_id:int}/disable": only("coordinator", "admin"),
    "POST /api/webhooks/{endpoint_id:int}/enable": only("coordinator", "admin"),
    "POST /api/webhooks/{endpoint_id:int}/test": only("coordinator", "admin"),
    "GET /api/webhooks/{endpoint_id:int}/deliveries": only("coordinator", "admin"),
    "POST /api/webhooks/deliveries/{delivery_id:int}/redeliver": only("coordinator", "admin"),
    "GET /admin/webhooks": only("coordinator", "admin"),
    "POST /admin/webhooks": only("coordinator", "admin"),
    "GET /admin/webhooks/{endpoint_id:int}": only("coordinator", "admin"),
    "POST /admin/webhooks/{endpoint_id:int}/disable": only("coordinator", "admin"),
    "POST /admin/webhooks/{endpoint_id:int}/enable": only("coordinator", "admin"),
    "POST /admin/webhooks/{endpoint_id:int}/delete": only("coordinator", "admin"),
    "POST /admin/webhooks/{endpoint_id:int}/test": only("coordinator", "admin"),
    "POST /admin/webhooks/deliveries/{delivery_id:int}/redeliver": only("coordinator", "admin"),
    "GET /api/search": only("coordinator", "admin"),
    "GET /api/search/{kind:str}": only("coordinator", "admin"),
    "GET /coordinator/search": only("coordinator", "admin"),
    # topics
    "POST /api/topics": COORDINATOR,
    "PATCH /api/topics/{slug:str}": COORDINATOR,
    "GET /coordinator/topics": COORDINATOR,
    "POST /coordinator/topics": COORDINATOR,
    "POST /coordinator/topics/{slug:str}": COORDINATOR,
    # volunteers
    "GET /api/volunteers": COORDINATOR,
    "GET /api/volunteers/{person_id:int}": only("volunteer", "coordinator", own="person_id"),
    "GET /api/volunteers/{person_id:int}/cv": only("volunteer", "coordinator", own="person_id"),
    "GET /api/volunteers/me": VOLUNTEER,
    "PUT /api/volunteers/me": VOLUNTEER,
    "GET /api/volunteers/me/cv": SIGNED_IN,  # 404 for everyone without a CV
    "POST /api/volunteers/me/cv": VOLUNTEER,
    "DELETE /api/volunteers/me/cv": VOLUNTEER,
    "GET /api/volunteers/me/windows": VOLUNTEER,
    "POST /api/volunteers/me/windows": VOLUNTEER,
    "PUT /api/volunteers/me/windows/{window_id:int}": only("volunteer", own="window_id"),
    "DELETE /api/volunteers/me/windows/{window_id:int}": only("volunteer", own="window_id"),
    "GET /volunteer/profile": VOLUNTEER,
    "POST /volunteer/profile": VOLUNTEER,
    "POST /volunteer/cv": VOLUNTEER,
    "POST /volunteer/cv/delete": VOLUNTEER,
    "GET /volunteer/availability": VOLUNTEER,
    "POST /volunteer/availability": VOLUNTEER,
    "GET /volunteer/availability/{window_id:int}/edit": only("volunteer", own="window_id"),
    "POST /volunteer/availability/{window_id:int}": only("volunteer", own="window_id"),
    "POST /volunteer/availability/{window_id:int}/delete": only("volunteer", own="window_id"),
    # hosts, claims and requests
    "POST /api/organizations/register": HOST,
    "POST /api/organizations/{organization_id:int}/claims": HOST,
    "GET /api/claims": only("host", "coordinator"),
    "POST /api/claims/{claim_id:int}/approve": COORDINATOR,
    "POST /api/claims/{claim_id:int}/reject": COORDINATOR,
    "GET /api/requests": only("host", "coordinator"),
    "POST /api/requests": HOST,
    "GET /api/requests/{request_id:int}": only("host", "coordinator", own="request_id"),
    "PUT /api/requests/{request_id:int}": only("host", own="request_id"),
    "DELETE /api/requests/{request_id:int}": only("host", own="request_id"),
    "POST /api/requests/{request_id:int}/submit": only("host", own="request_id"),
    "POST /api/requests/{request_id:int}/withdraw": only("host", own="request_id"),
    "POST /api/requests/{request_id:int}/accept": COORDINATOR,
    "POST /api/requests/{request_id:int}/decline": COORDINATOR,
    "PUT /api/requests/{request_id:int}/priority": COORDINATOR,
    "GET /host": HOST,
    "GET /home": SIGNED_IN,
    "GET /coordinator": COORDINATOR,
    "GET /volunteer": VOLUNTEER,
    "GET /coordinator/volunteers/{person_id:int}": COORDINATOR,
    "GET /coordinator/requests/{request_id:int}": COORDINATOR,
    "POST /host/claims": HOST,
    "POST /host/organizations": HOST,
    "GET /host/requests/new": HOST,
    "POST /host/requests/new": HOST,
    "GET /host/requests/{request_id:int}/edit": only("host", own="request_id"),
    "POST /host/requests/{request_id:int}/edit": only("host", own="request_id"),
    "POST /host/requests/{request_id:int}/submit": only("host", own="request_id"),
    "POST /host/requests/{request_id:int}/withdraw": only("host", own="request_id"),
    "POST /host/requests/{request_id:int}/delete": only("host", own="request_id"),
    "GET /coordinator/claims": COORDINATOR,
    "POST /coordinator/claims/{claim_id:int}/approve": COORDINATOR,
    "POST /coordinator/claims/{claim_id:int}/reject": COORDINATOR,
    "GET /coordinator/requests": COORDINATOR,
    "POST /coordinator/requests/{request_id:int}/accept": COORDINATOR,
    "POST /coordinator/requests/{request_id:int}/decline": COORDINATOR,
    "POST /coordinator/requests/{request_id:int}/priority": COORDINATOR,
    # match rounds
    "GET /api/rounds": COORDINATOR,
    "POST /api/rounds": COORDINATOR,
    "GET /api/rounds/{round_id:int}": COORDINATOR,
    "POST /api/rounds/{round_id:int}/freeze": COORDINATOR,
    "GET /api/rounds/{round_id:int}/changes": COORDINATOR,
    "GET /api/rounds/{round_id:int}/problem": COORDINATOR,
    "POST /api/rounds/{round_id:int}/pins": COORDINATOR,
    "POST /api/rounds/{round_id:int}/date-changes": COORDINATOR,
    "POST /api/rounds/{round_id:int}/exclusions": COORDINATOR,
    "DELETE /api/rounds/{round_id:int}/adjustments/{adjustment_id:int}": COORDINATOR,
    "GET /api/rounds/{round_id:int}/runs": COORDINATOR,
    "POST /api/rounds/{round_id:int}/runs": COORDINATOR,
    "POST /api/rounds/{round_id:int}/results": COORDINATOR,
    "POST /api/rounds/{round_id:int}/vetoes": HOST,
    "GET /api/rounds/{round_id:int}/places": COORDINATOR,
    "POST /api/rounds/{round_id:int}/replacements": COORDINATOR,
    "GET /host/proposals": HOST,
    "POST /host/proposals/{round_id:int}/vetoes": HOST,
    "GET /api/runs/{run_id:int}": COORDINATOR,
    "POST /api/runs/{run_id:int}/cancel": COORDINATOR,
    "GET /api/runs/{run_id:int}/proposals": only("host", "coordinator"),
    "POST /api/runs/{run_id:int}/approve": COORDINATOR,
    "GET /coordinator/rounds": COORDINATOR,
    "POST /coordinator/rounds": COORDINATOR,
    "GET /coordinator/rounds/{round_id:int}": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/freeze": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/runs": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/runs/{run_id:int}/cancel": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/runs/{run_id:int}/approve": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/pins": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/date-changes": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/exclusions": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/adjustments/{adjustment_id:int}/remove": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/replacements": COORDINATOR,
    "POST /coordinator/rounds/{round_id:int}/replacements/{run_id:int}/approve": COORDINATOR,
    # trips, reports and the dashboard
    "GET /dashboard": PUBLIC,
    "GET /api/dashboard": PUBLIC,
    "GET /api/dashboard/program": COORDINATOR,
    "GET /coordinator/dashboard": COORDINATOR,
    "GET /api/exports/{what:str}": COORDINATOR,
    "GET /trips": SIGNED_IN,
    "GET /api/trips": SIGNED_IN,
    "GET /api/trips/outstanding": COORDINATOR,
    "GET /api/trips/{trip_id:int}": only("volunteer", "host", "coordinator", own="trip_id"),
    "GET /trips/{trip_id:int}": only("volunteer", "host", "coordinator", own="trip_id"),
    "GET /api/trips/{trip_id:int}/reports": only("volunteer", "host", "coordinator", own="trip_id"),
    "POST /api/trips/{trip_id:int}/reports/{kind:str}": only("volunteer", own="trip_id"),
    "POST /trips/{trip_id:int}/reports/{kind:str}": only("volunteer", own="trip_id"),
    "POST /api/trips/{trip_id:int}/postpone": COORDINATOR,
    "POST /api/trips/{trip_id:int}/reschedule": COORDINATOR,
    "POST /api/trips/{trip_id:int}/cancel": COORDINATOR,
    "POST /api/trips/{trip_id:int}/decline": COORDINATOR,
    "POST /api/trips/{trip_id:int}/complete": COORDINATOR,
    "POST /api/trips/{trip_id:int}/reminders": COORDINATOR,
    "POST /trips/{trip_id:int}/actions": COORDINATOR,
    "POST /api/trips/{trip_id:int}/answer": only("volunteer", own="trip_id"),
    "POST /trips/{trip_id:int}/answer": only("volunteer", own="trip_id"),
    "POST /api/trips/{trip_id:int}/invites/resend": COORDINATOR,
    "POST /trips/{trip_id:int}/resend": COORDINATOR,
    # documents and the travel checklist (a volunteer files neither document; a host contact issues both)
    "GET /api/trips/{trip_id:int}/documents": only("volunteer", "host", "coordinator", own="trip_id"),
    "POST /api/trips/{trip_id:int}/documents": only("host", "coordinator", own="trip_id"),
    "POST /api/trips/{trip_id:int}/documents/preview": only("host", "coordinator", own="trip_id"),
    "GET /api/trips/{trip_id:int}/documents/{document_id:int}/pdf": only(
        "volunteer", "host", "coordinator", own="trip_id"
    ),
    "POST /api/trips/{trip_id:int}/documents/{document_id:int}/withdraw": only("host", "coordinator", own="trip_id"),
    "POST /trips/{trip_id:int}/documents": only("host", "coordinator", own="trip_id"),
    "POST /trips/{trip_id:int}/documents/{document_id:int}/withdraw": only("host", "coordinator", own="trip_id"),
    "GET /api/verify/{code:str}": PUBLIC,
    "GET /verify": PUBLIC,
    "GET /verify/{code:str}": PUBLIC,
    "GET /api/trips/{trip_id:int}/checklist": only("volunteer", "host", "coordinator", own="trip_id"),
    "POST /api/trips/{trip_id:int}/checklist/{person_id:int}": only("volunteer", "host", "coordinator", own="trip_id"),
    "POST /trips/{trip_id:int}/checklist/{person_id:int}": only("volunteer", "host", "coordinator", own="trip_id"),
    "GET /api/travel/open": COORDINATOR,
    "GET /coordinator/travel": COORDINATOR,
    "GET /coordinator/reports": COORDINATOR,
    "GET /coordinator/calendar-answers": COORDINATOR,
    "POST /coordinator/reports/{trip_id:int}/remind": COORDINATOR,
    # importing and exporting a program
    "GET /api/imports": COORDINATOR,
    "POST /api/imports": COORDINATOR,
    "GET /api/imports/{job_id:int}": COORDINATOR,
    "POST /api/imports/{job_id:int}/confirm": COORDINATOR,
    "POST /api/imports/{job_id:int}/discard": COORDINATOR,
    "GET /api/imports/export": COORDINATOR,
    "GET /api/imports/template": COORDINATOR,
    "GET /api/imports/invitations": COORDINATOR,
    "POST /api/imports/invitations": COORDINATOR,
    "GET /coordinator/import": COORDINATOR,
    "POST /coordinator/import": COORDINATOR,
    "GET /coordinator/import/{job_id:int}": COORDINATOR,
    "POST /coordinator/import/{job_id:int}/confirm": COORDINATOR,
    "POST /coordinator/import/{job_id:int}/discard": COORDINATOR,
    "GET /coordinator/import/template.xlsx": COORDINATOR,
    "GET /coordinator/import/export.xlsx": COORDINATOR,
    "GET /coordinator/import/export.zip": COORDINATOR,
    "POST /coordinator/import/invitations": COORDINATOR,
    # calendars: feeds, imports, invite answers (the token is the key)
    "GET /api/calendar/feeds": SIGNED_IN,
    "POST /api/calendar/feeds": SIGNED_IN,
    "POST /api/calendar/feeds/{feed_id:int}/rotate": only("volunteer", "host", "coordinator", "admin", own="feed_id"),
    "DELETE /api/calendar/feeds/{feed_id:int}": only("volunteer", "host", "coordinator", "admin", own="feed_id"),
    "GET /api/calendar/import": VOLUNTEER,
    "PUT /api/calendar/import": VOLUNTEER,
    "DELETE /api/calendar/import": VOLUNTEER,
    "POST /api/calendar/import/refresh": VOLUNTEER,
    "GET /api/invites/{token:str}": PUBLIC,
    "POST /api/invites/{token:str}": PUBLIC,
    "GET /feeds/{name:str}": PUBLIC,
    "GET /calendar": SIGNED_IN,
    "POST /calendar/feeds": SIGNED_IN,
    "POST /calendar/feeds/{feed_id:int}/rotate": only("volunteer", "host", "coordinator", "admin", own="feed_id"),
    "POST /calendar/feeds/{feed_id:int}/revoke": only("volunteer", "host", "coordinator", "admin", own="feed_id"),
    "POST /calendar/import": VOLUNTEER,
    "POST /calendar/import/refresh": VOLUNTEER,
    "POST /calendar/import/unlink": VOLUNTEER,
    "GET /invites/{token:str}": PUBLIC,
    "POST /invites/{token:str}": PUBLIC,
    # communications: e-mail templates (coordinators), one's notices, a notice's unsubscribe link (the token)
    "GET /api/messages": only("coordinator", "admin"),
    "GET /api/messages/{name:str}/{language:str}": only("coordinator", "admin"),
    "PUT /api/messages/{name:str}/{language:str}": only("coordinator", "admin"),
    "DELETE /api/messages/{name:str}/{language:str}": only("coordinator", "admin"),
    "POST /api/messages/{name:str}/{language:str}/preview": only("coordinator", "admin"),
    "GET /coordinator/messages": only("coordinator", "admin"),
    "GET /coordinator/messages/{name:str}": only("coordinator", "admin"),
    "POST /coordinator/messages/{name:str}": only("coordinator", "admin"),
    "POST /coordinator/messages/{name:str}/reset": only("coordinator", "admin"),
    "GET /api/account/notifications": SIGNED_IN,
    "PUT /api/account/notifications": SIGNED_IN,
    "GET /account/notifications": SIGNED_IN,
    "POST /account/notifications": SIGNED_IN,
    "GET /notifications/unsubscribe/{token:str}": PUBLIC,
    "POST /notifications/unsubscribe/{token:str}": PUBLIC,
}

# Valid bodies, so that ownership (checked after validation) decides the answer.
BODIES: dict[str, dict[str, Any]] = {
    "POST /api/trips/{trip_id:int}/answer": {"answer": "accepted"},
    "POST /api/volunteers/me/windows": {"start": f"{NEXT_YEAR}-08-01", "end": f"{NEXT_YEAR}-08-31"},
    "PUT /api/volunteers/me/windows/{window_id:int}": {
        "start": f"{NEXT_YEAR}-03-02",
        "end": f"{NEXT_YEAR}-04-29",
        "preferred": True,
    },
    "PUT /api/requests/{request_id:int}": {
        "organization_id": 0,
        "title": "Renamed",
        "needs": [{"topic": "venous", "weight": 2}],
        "languages": ["en"],
        "windows": [{"start": f"{NEXT_YEAR}-03-01", "end": f"{NEXT_YEAR}-05-30", "preferred": True}],
        "duration_days": 7,
    },
}

REPORT = {"rating_overall": 5, "rating_teaching": 4, "rating_logistics": 4}
BODIES["POST /api/trips/{trip_id:int}/reports/{kind:str}"] = REPORT
# The matrix's trip is not completed: a certificate is refused by its state (409) to those who may issue one.
CERTIFICATE = {"kind": "certificate", "person_id": 1, "signed": True}
BODIES["POST /api/trips/{trip_id:int}/documents"] = CERTIFICATE
BODIES["POST /api/trips/{trip_id:int}/documents/preview"] = CERTIFICATE
BODIES["POST /api/trips/{trip_id:int}/documents/{document_id:int}/withdraw"] = {"reason": "issued by mistake"}
# The guard refuses loopback before connecting: no traffic leaves the machine.
BODIES["PUT /api/calendar/import"] = {"url": "https://127.0.0.1/calendar.ics"}
BODIES["POST /api/account/tokens"] = {"name": "matrix script"}
# An endpoint nobody posts to: no worker runs here, and the guard would refuse loopback anyway.
BODIES["POST /api/webhooks"] = {"url": "https://127.0.0.1/hooks", "events": ["trip.cancelled"]}
FORMS: dict[str, dict[str, Any]] = {
    "POST /language": {"locale": "es", "next": "/"},
    "POST /trips/{trip_id:int}/answer": {"answer": "accept"},
    "POST /trips/{trip_id:int}/reports/{kind:str}": REPORT,
    "POST /calendar/import": {"url": "https://127.0.0.1/calendar.ics"},
    "POST /trips/{trip_id:int}/documents": {"kind": "certificate", "person_id": "1", "signed": "yes"},
    "POST /trips/{trip_id:int}/documents/{document_id:int}/withdraw": {"reason": "issued by mistake"},
    "POST /account/tokens": {"name": "matrix script"},
    "POST /admin/webhooks": {"url": "https://127.0.0.1/hooks", "events": "trip.cancelled"},
}

# Calls that end a session or destroy the caller's records run last.
LAST_WORDS = ("DELETE ", "/delete", "/logout", "/api/auth/password")


def served_routes(app: Litestar) -> Iterator[str]:
    for route in app.routes:
        if isinstance(route, ASGIRoute):  # the secret feeds: a plain ASGI app mounted at /feeds, read with GET
            yield f"GET {route.path}/{{name:str}}"
        for method in getattr(route, "route_handler_map", {}):
            if method not in ("OPTIONS", "HEAD"):
                yield f"{method} {route.path}"


def in_calling_order(routes: list[str]) -> list[str]:
    return sorted(routes, key=lambda key: (any(word in key for word in LAST_WORDS), key))


async def call(world: World, key: str, role: str, *, foreign: bool = False) -> httpx.Response:
    method, template = key.split(" ", 1)
    client = world.clients[role]
    path = world.path(template, role, foreign=foreign)
    token = client.headers.get("X-CSRF-Token") or client.cookies.get("giveback_csrf") or ""
    if key == "POST /api/volunteers/me/cv":
        pdf = {"file": ("cv.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")}
        return await client.post(path, files=pdf, data={"csrf_token": token})
    if template.startswith("/api"):
        body = dict(BODIES.get(key, {}))
        if "organization_id" in body:
            body["organization_id"] = int(world.path("{organization_id}", role, foreign=foreign))
        return await client.request(method, path, json=body if method != "GET" else None)
    data = {"csrf_token": token, **FORMS.get(key, {})} if method != "GET" else None
    return await client.request(method, path, data=data, headers={"accept": "text/html", "X-CSRF-Token": ""})


def refused_anonymously(key: str, status: int) -> bool:
    return status == (401 if key.split(" ", 1)[1].startswith("/api") else 303)


async def test_every_endpoint_has_an_access_rule(running_app: Litestar) -> None:
    served = set(served_routes(running_app))
    assert served - ACCESS.keys() == set(), "endpoints without an access rule"
    assert ACCESS.keys() - served == set(), "rules for endpoints that no longer exist"


@pytest.mark.parametrize("chunk", range(4))
async def test_access_matrix(
    new_client: Callable[[], httpx.AsyncClient], inbox, running_app: Litestar, chunk: int
) -> None:
    world = await build_world(new_client, inbox)
    await world.clients["anonymous"].get("/")  # receives the anonymous CSRF cookie
    routes = in_calling_order([key for key in served_routes(running_app) if key in ACCESS])
    failures = []
    for key in routes[chunk::4]:
        rule = ACCESS[key]
        for role in ROLES:
            await world.ensure_signed_in(role)
            answer = await call(world, key, role)
            status = answer.status_code
            if status >= 500:
                failures.append(f"{key} as {role}: {status}")
            elif rule.allows(role):
                if status in (401, 403) or (
                    role == "anonymous" and refused_anonymously(key, status) and rule.signed_in
                ):
                    failures.append(f"{key} as {role}: refused with {status}")
            elif role == "anonymous":
                if not refused_anonymously(key, status):
                    failures.append(f"{key} as anonymous: {status}, expected a demand to log in")
            elif status != 403 and not (status == 404 and "{" in key):
                failures.append(f"{key} as {role}: {status}, expected 403 (or 404 for a record)")
            if rule.own and role in ("volunteer", "host") and rule.allows(role):
                await world.ensure_signed_in(role)
                foreign = await call(world, key, role, foreign=True)
                if foreign.status_code not in (403, 404):
                    failures.append(f"{key} as {role} on someone else's record: {foreign.status_code}")
    assert not failures, "\n".join(failures)

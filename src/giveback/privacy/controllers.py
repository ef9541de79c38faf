"""Personal-data endpoints: download my data, delete my account (API and account page forms)."""

from __future__ import annotations

import json
from typing import Any

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_204_NO_CONTENT

from giveback.accounts.services import person_out
from giveback.accounts.sessions import SignedIn
from giveback.errors import DomainError
from giveback.privacy import services
from giveback.privacy.schemas import AccountDeletion
from giveback.settings import Settings
from giveback.web.auth import SESSION_ONLY, expired_session_cookie, signed_in
from giveback.web.forms import form_error_page, form_fields, redirect
from giveback.web.openapi import download, no_content


def _download(data: dict[str, Any]) -> Response[bytes]:
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str).encode()
    return Response(
        body,
        media_type="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="giveback-my-data.json"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


class PrivacyApi(Controller):
    path = "/api/me"
    tags = ["accounts"]
    guards = [signed_in]

    @get(
        "/data",
        summary="Download everything the platform holds about me (JSON)",
        responses=download("application/json", "Everything held about me, as a JSON attachment"),
    )
    async def export(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        user: SignedIn = request.state.user
        return _download(await services.export_personal_data(user.person_id))

    @delete(
        "/account",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete my account (trips stay, anonymised)",
        opt={SESSION_ONLY: True},
        responses=no_content("The account is deleted and the session cookie expired"),
    )
    async def erase(
        self, data: JSONBody[AccountDeletion], request: Request[Any, Any, Any], settings: NamedDependency[Settings]
    ) -> Response[None]:
        user: SignedIn = request.state.user
        await services.delete_account(user.person_id, data.password)
        return Response(None, status_code=HTTP_204_NO_CONTENT, headers={"set-cookie": expired_session_cookie(settings)})


class PrivacyPages(Controller):
    path = "/account"
    include_in_schema = False
    guards = [signed_in]

    @get("/data")
    async def export(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        user: SignedIn = request.state.user
        return _download(await services.export_personal_data(user.person_id))

    @post("/delete")
    async def erase(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Template | Redirect:
        user: SignedIn = request.state.user
        fields = form_fields(await request.form())
        try:
            await services.delete_account(user.person_id, str(fields.get("password") or ""))
        except DomainError as problem:
            return form_error_page("accounts/account.html", problem, person=await person_out(user.person_id))
        response = redirect("/?deleted=1")
        response.headers["set-cookie"] = expired_session_cookie(settings)
        return response

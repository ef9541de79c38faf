"""Communications pages and API: coordinators' e-mail templates under /coordinator/messages (API
/api/messages), each person's notices under /account/notifications, and the unsubscribe links of notices."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, delete, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_200_OK
from litestar.types import ControllerRouterHandler

from giveback.communications import services
from giveback.communications.schemas import (
    MessageOut,
    NoticeChoice,
    NoticeChoicesIn,
    PreviewOut,
    TemplateIn,
    TemplateOut,
)
from giveback.errors import DomainError
from giveback.i18n import LOCALES, _
from giveback.mail.templating import MESSAGES, Source
from giveback.settings import Settings
from giveback.web.auth import requires, signed_in, signed_in_user
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect

COORDINATORS = requires("coordinator", "admin")
PAGE_NOTICES = {
    "saved": _("Saved: the next e-mails of this kind are made from this version."),
    "reset": _("Back to the default: the next e-mails of this kind are made from it."),
}


def _source(data: TemplateIn) -> Source:
    return Source(subject=data.subject, text=data.text, html=data.html)


class MessageApi(Controller):
    path = "/api/messages"
    tags = ["communications"]
    guards = [COORDINATORS]

    @get("/", summary="The messages the platform sends, with their placeholders (coordinators)")
    async def list(self, request: Request[Any, Any, Any]) -> list[MessageOut]:
        return await services.list_messages(signed_in_user(request))

    @get("/{name:str}/{language:str}", summary="The templates a message in one language is made from")
    async def show(self, request: Request[Any, Any, Any], name: FromPath[str], language: FromPath[str]) -> TemplateOut:
        """``language``: a locale (``es``, ``pt_BR``…) or ``all`` (the version for every language without its own)."""
        return await services.template(signed_in_user(request), name, language)

    @put("/{name:str}/{language:str}", summary="Save a message's templates for one language or all")
    async def save(
        self, request: Request[Any, Any, Any], name: FromPath[str], language: FromPath[str], data: JSONBody[TemplateIn]
    ) -> TemplateOut:
        """A template that does not render (unknown placeholder, syntax error, unsafe attribute) is refused with
        a 400 naming the part, the line and the reason; the version in use stays."""
        return await services.save_template(signed_in_user(request), name, language, _source(data))

    @delete("/{name:str}/{language:str}", status_code=HTTP_200_OK, summary="Back to the default templates")
    async def reset(self, request: Request[Any, Any, Any], name: FromPath[str], language: FromPath[str]) -> TemplateOut:
        return await services.reset_template(signed_in_user(request), name, language)

    @post("/{name:str}/{language:str}/preview", status_code=HTTP_200_OK, summary="Preview with a real trip")
    async def preview(
        self,
        request: Request[Any, Any, Any],
        name: FromPath[str],
        language: FromPath[str],
        settings: NamedDependency[Settings],
        data: JSONBody[TemplateIn | None] = None,
    ) -> PreviewOut:
        """The message as it would go out to the caller, made with the newest trip: from the templates in the
        body (not saved) or, without a body, from the version in use."""
        source = _source(data) if data is not None else None
        return await services.preview(signed_in_user(request), name, language, source, settings=settings)


def _languages() -> list[tuple[str, str]]:
    return [
        (services.ALL_LANGUAGES, _("Every language")),
        *((language.locale, language.endonym) for language in LOCALES.values()),
    ]


async def _editor(
    request: Request[Any, Any, Any], name: str, language: str, settings: Settings, **context: Any
) -> dict[str, Any]:
    user = signed_in_user(request)
    current = await services.template(user, name, language)
    values = context.pop("values", None) or {"subject": current.subject, "text": current.text, "html": current.html}
    shown = None
    if "errors" not in context:
        source = Source(values["subject"], values["text"], values["html"])
        shown = await services.preview(user, name, language, source, settings=settings)
    definition = MESSAGES[name]
    return {
        "message": definition,
        "placeholders": services.placeholders(definition),
        "language": language,
        "languages": _languages(),
        "current": current,
        "values": values,
        "preview": shown,
        "notice": PAGE_NOTICES.get(str(request.query_params.get("done") or "")),
        **context,
    }


class MessagePages(Controller):
    path = "/coordinator/messages"
    include_in_schema = False
    guards = [COORDINATORS]

    @get("/")
    async def list(self, request: Request[Any, Any, Any]) -> Template:
        messages = await services.list_messages(signed_in_user(request))
        return page("communications/messages.html", messages=messages, languages=dict(_languages()))

    @get("/{name:str}")
    async def edit(
        self, request: Request[Any, Any, Any], name: FromPath[str], settings: NamedDependency[Settings]
    ) -> Template:
        language = str(request.query_params.get("language") or services.ALL_LANGUAGES)
        return page("communications/message.html", **await _editor(request, name, language, settings))

    @post("/{name:str}")
    async def save(
        self, request: Request[Any, Any, Any], name: FromPath[str], settings: NamedDependency[Settings]
    ) -> Template | Redirect:
        fields = form_fields(await request.form())
        language = str(fields.pop("language", "") or services.ALL_LANGUAGES)
        action = fields.pop("action", "save")
        values = {part: str(fields.get(part) or "") for part in ("subject", "text", "html")}
        try:
            data = parse(TemplateIn, values)
            if action == "preview":
                return page(
                    "communications/message.html", **await _editor(request, name, language, settings, values=values)
                )
            await services.save_template(signed_in_user(request), name, language, _source(data))
        except (FormInvalid, DomainError) as problem:
            context = await _editor(request, name, language, settings, values=values, errors={})
            return form_error_page("communications/message.html", problem, **context)
        return redirect(f"/coordinator/messages/{name}?language={language}&done=saved")

    @post("/{name:str}/reset")
    async def reset(self, request: Request[Any, Any, Any], name: FromPath[str]) -> Redirect:
        fields = form_fields(await request.form())
        language = str(fields.get("language") or services.ALL_LANGUAGES)
        await services.reset_template(signed_in_user(request), name, language)
        return redirect(f"/coordinator/messages/{name}?language={language}&done=reset")


class NoticePages(Controller):
    """Each person's choice of notices by e-mail (page and API)."""

    path = "/"
    guards = [signed_in]

    @get("/api/account/notifications", tags=["communications"], summary="Which notices reach you by e-mail")
    async def choices(self, request: Request[Any, Any, Any]) -> list[NoticeChoice]:
        return await services.notice_choices(signed_in_user(request).person_id)

    @put("/api/account/notifications", tags=["communications"], summary="Choose which notices reach you by e-mail")
    async def choose(self, request: Request[Any, Any, Any], data: JSONBody[NoticeChoicesIn]) -> list[NoticeChoice]:
        """Invites and account mails always come; only notices can be turned off."""
        return await services.save_notice_choices(signed_in_user(request).person_id, data.notices)

    @get("/account/notifications", include_in_schema=False)
    async def page(self, request: Request[Any, Any, Any]) -> Template:
        choices = await services.notice_choices(signed_in_user(request).person_id)
        saved = request.query_params.get("done") == "saved"
        return page("communications/notifications.html", choices=choices, saved=saved)

    @post("/account/notifications", include_in_schema=False)
    async def save(self, request: Request[Any, Any, Any]) -> Redirect:
        form = await request.form()
        wanted = set(form.getall("notice")) if "notice" in form else set()
        person_id = signed_in_user(request).person_id
        shown = [choice.message for choice in await services.notice_choices(person_id)]
        await services.save_notice_choices(person_id, {name: name in wanted for name in shown})
        return redirect("/account/notifications?done=saved")


@get("/notifications/unsubscribe/{token:str}", include_in_schema=False, sync_to_thread=False)
def unsubscribe_page(token: FromPath[str], settings: NamedDependency[Settings]) -> Template:
    """What an unsubscribe link stops, with a button to stop it (opening the link changes nothing)."""
    notice = services.notice_named(token, settings=settings)
    return page("communications/unsubscribe.html", notice=notice, token=token, done=False)


@post("/notifications/unsubscribe/{token:str}", status_code=HTTP_200_OK, summary="Stop one notice (one-click)")
async def unsubscribe(token: FromPath[str], settings: NamedDependency[Settings]) -> Template:
    """RFC 8058 one-click unsubscribe: a mail client POSTs ``List-Unsubscribe=One-Click`` without cookies, so
    this runs without a session or CSRF token; the signed token in the address is the proof."""
    notice = await services.unsubscribe(token, settings=settings)
    return page("communications/unsubscribe.html", notice=notice, token=token, done=True)


ROUTES: list[ControllerRouterHandler] = [MessageApi, MessagePages, NoticePages]
UNSUBSCRIBE_ROUTES: list[ControllerRouterHandler] = [unsubscribe_page, unsubscribe]

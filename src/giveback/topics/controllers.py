"""Topic endpoints: anyone reads the list; coordinators add, rename and retire topics."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Redirect, Template

from giveback.accounts.sessions import SignedIn
from giveback.errors import DomainError
from giveback.i18n import LOCALES
from giveback.topics import services
from giveback.topics.schemas import TopicCreate, TopicOut, TopicUpdate
from giveback.web.auth import requires
from giveback.web.forms import FormInvalid, form_error_page, form_fields, page, parse, redirect
from giveback.web.pagination import PageCursor, PageLimit, paged
from giveback.web.tables import Column, SortableTable

COORDINATORS = requires("coordinator")
TRANSLATED = [language for language in LOCALES.values() if language.locale in services.TRANSLATED_LOCALES]
NAME_FIELDS = [f"names.{language.locale}" for language in TRANSLATED]


def _manage_page(topics: Any, problem: Exception | None = None, **context: Any) -> Template:
    context = {"translated_languages": TRANSLATED, "translated_fields": NAME_FIELDS, **context}
    if problem is not None:
        return form_error_page("topics/manage.html", problem, topics=topics, **context)
    return page("topics/manage.html", topics=topics, **context)


TOPICS = SortableTable(
    Column("slug"), Column("name"), Column("status", value=lambda t: "retired" if t.retired else "active")
)


class TopicApi(Controller):
    path = "/api/topics"
    tags = ["topics"]

    @get("/", summary="List expertise topics")
    async def list(
        self,
        request: Request[Any, Any, Any],
        include_retired: FromQuery[bool] = False,
        cursor: PageCursor = None,
        limit: PageLimit = None,
    ) -> Response[list[TopicOut]]:
        found = await services.list_topics(include_retired=include_retired)
        return paged(request, found, lambda t: (t.position, t.slug), cursor, limit)

    @post("/", guards=[COORDINATORS], summary="Add a topic (coordinators)")
    async def add(self, data: JSONBody[TopicCreate], request: Request[Any, Any, Any]) -> TopicOut:
        user: SignedIn = request.state.user
        return await services.add_topic(user.person_id, data)

    @patch("/{slug:str}", guards=[COORDINATORS], summary="Rename or retire a topic (coordinators)")
    async def update(
        self, slug: FromPath[str], data: JSONBody[TopicUpdate], request: Request[Any, Any, Any]
    ) -> TopicOut:
        user: SignedIn = request.state.user
        return await services.update_topic(user.person_id, slug, data)


class TopicPages(Controller):
    path = "/coordinator/topics"
    include_in_schema = False
    guards = [COORDINATORS]

    @get("/")
    async def list(self, request: Request[Any, Any, Any]) -> Template:
        topics = TOPICS.from_query(await services.list_topics(include_retired=True), request.query_params)
        return _manage_page(topics, values={}, renamed="")

    @post("/")
    async def add(self, request: Request[Any, Any, Any]) -> Template | Redirect:
        user: SignedIn = request.state.user
        fields = form_fields(await request.form())
        try:
            await services.add_topic(user.person_id, parse(TopicCreate, fields))
        except (FormInvalid, DomainError) as problem:
            topics = TOPICS.sort(await services.list_topics(include_retired=True), "")
            return _manage_page(topics, problem, values=fields, renamed="")
        return redirect("/coordinator/topics/")

    @post("/{slug:str}")
    async def update(self, slug: FromPath[str], request: Request[Any, Any, Any]) -> Template | Redirect:
        user: SignedIn = request.state.user
        fields = form_fields(await request.form())
        if "retired" in fields:
            fields["retired"] = fields["retired"] == "true"
        names = {key.removeprefix("names."): fields.pop(key) for key in list(fields) if key.startswith("names.")}
        if names:
            fields["names"] = names
        try:
            await services.update_topic(user.person_id, slug, parse(TopicUpdate, fields))
        except (FormInvalid, DomainError) as problem:
            # A refused name stands next to the topic's own name field, not the new topic's.
            topics = TOPICS.sort(await services.list_topics(include_retired=True), "")
            return _manage_page(topics, problem, values={}, renamed=slug)
        return redirect("/coordinator/topics/")

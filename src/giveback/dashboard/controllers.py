"""Dashboard endpoints: the public growth charts, and the coordinators' filtered program dashboard."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.params import FromQuery
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from giveback.dashboard import services as dashboards
from giveback.dashboard.schemas import DashboardOut
from giveback.errors import DomainError, InvalidInput
from giveback.i18n import _, translate
from giveback.i18n.formatting import country_name
from giveback.i18n.labels import label
from giveback.topics.tables import Topic
from giveback.web.auth import requires
from giveback.web.forms import form_error_page, page
from giveback.web.templates import topic_name

COORDINATORS = requires("coordinator")


async def _topics() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = (
        await Topic.select(Topic.slug, Topic.name).where(Topic.retired.eq(False)).order_by(Topic.position)
    )
    return rows


class DashboardApi(Controller):
    path = "/api/dashboard"
    tags = ["dashboard"]

    @get("/", summary="The program's growth, aggregates only (public)")
    async def public(self) -> DashboardOut:
        return await dashboards.dashboard()

    @get("/program", guards=[COORDINATORS], summary="The program dashboard with filters (coordinators)")
    async def program(
        self, year: FromQuery[int | None] = None, region: FromQuery[str] = "", topic: FromQuery[str] = ""
    ) -> DashboardOut:
        return await dashboards.dashboard(year=year, region=region, topic=topic, coordinator=True)


class CoordinatorDashboardPages(Controller):
    path = "/coordinator/dashboard"
    include_in_schema = False
    guards = [COORDINATORS]

    @get("/")
    async def dashboard(
        self, year: FromQuery[str] = "", region: FromQuery[str] = "", topic: FromQuery[str] = ""
    ) -> Template:
        topics = await _topics()
        try:
            chosen_year = int(year) if year else None
            data = await dashboards.dashboard(year=chosen_year, region=region, topic=topic, coordinator=True)
        except (ValueError, DomainError) as problem:
            error = (
                problem if isinstance(problem, DomainError) else InvalidInput(_("year must be a number"), field="year")
            )
            data = await dashboards.dashboard(coordinator=True)
            return form_error_page(
                "dashboard/dashboard.html",
                error,
                data=data,
                coordinator=True,
                charts=_charts(data),
                topics=topics,
                regions=dashboards.REGIONS,
                values={"year": year, "region": region, "topic": topic},
            )
        return page(
            "dashboard/dashboard.html",
            data=data,
            coordinator=True,
            charts=_charts(data),
            topics=topics,
            regions=dashboards.REGIONS,
            values={"year": year, "region": region, "topic": topic},
            errors={},
        )


def _charts(data: DashboardOut) -> list[dict[str, Any]]:
    """Each chart: id, title, kind, unit, and its series — rendered as a table and drawn by Chart.js; the words in
    the page's language (the script draws what it is given)."""
    charts = [
        ("trips-per-year", _("Visits per year"), "bar", _("visits"), data.trips_per_year),
        ("countries", _("Countries reached (cumulative)"), "line", _("countries"), data.countries_cumulative),
        (
            "organizations",
            _("Host organizations reached (cumulative)"),
            "line",
            _("organizations"),
            data.organizations_cumulative,
        ),
        (
            "volunteer-days",
            _("Volunteer-days given per year"),
            "bar",
            _("volunteer-days"),
            data.volunteer_days_per_year,
        ),
        ("attendees", _("Attendees trained per year"), "bar", _("attendees"), data.attendees_per_year),
        ("cadres", _("Attendees by cadre"), "doughnut", _("attendees"), data.attendees_by_cadre),
        ("topics", _("Topics taught (visits)"), "hbar", _("visits"), data.topics_taught),
        ("world", _("Visits by country (world view)"), "hbar", _("visits"), data.countries_ranked),
        ("matched", _("Share of requests matched per round"), "bar", _("%% matched"), data.matched_share_per_round),
    ]
    if data.organizations_ranked is not None:
        charts.append(
            ("host-organizations", _("Visits by host organization"), "hbar", _("visits"), data.organizations_ranked)
        )
    return [
        {
            "id": key,
            "title": translate(title),
            "kind": kind,
            "unit": translate(unit),
            "series": [{"label": _series_label(key, point), "value": point.value} for point in series],
        }
        for key, title, kind, unit, series in charts
    ]


def _series_label(chart: str, point: Any) -> str:
    """A point's label in the page's language: a topic's, country's or cadre's name from its code."""
    if not point.key:
        return str(point.label)
    if chart == "topics":
        return topic_name(point.key, point.label)
    if chart == "world":
        return country_name(point.key) if point.key else str(translate(_("unknown country")))
    if chart == "cadres":
        return str(translate(label("cadre", point.key)))
    return str(point.label)


@get("/dashboard", include_in_schema=False)
async def public_dashboard() -> Template:
    data = await dashboards.dashboard()
    return page("dashboard/dashboard.html", data=data, coordinator=False, charts=_charts(data), errors={}, values={})


ROUTES: list[ControllerRouterHandler] = [DashboardApi, CoordinatorDashboardPages, public_dashboard]

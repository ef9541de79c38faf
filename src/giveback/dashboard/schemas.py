"""What the dashboard API answers: aggregates only, as labelled series."""

from __future__ import annotations

import msgspec


class Series(msgspec.Struct, kw_only=True):
    label: str
    value: int
    key: str = ""
    """The code behind the label, where there is one (a topic's slug, a country's ISO code, a cadre)."""


class DashboardOut(msgspec.Struct, kw_only=True):
    """Aggregates only: counts per year, per country, per topic, per round — never a person."""

    filters: dict[str, str]
    totals: dict[str, int]
    trips_per_year: list[Series]
    countries_cumulative: list[Series]
    organizations_cumulative: list[Series]
    volunteer_days_per_year: list[Series]
    attendees_per_year: list[Series]
    attendees_by_cadre: list[Series]
    topics_taught: list[Series]
    countries_ranked: list[Series]
    matched_share_per_round: list[Series]
    organizations_ranked: list[Series] | None = None

"""Finding host organizations."""

from __future__ import annotations

from typing import Any

from giveback import geo
from giveback.db.search import contains_text
from giveback.errors import InvalidInput, NotFound
from giveback.i18n import _
from giveback.organizations.schemas import OrganizationOut
from giveback.organizations.tables import Organization


def to_schema(row: dict[str, Any]) -> OrganizationOut:
    country = row["country"]
    return OrganizationOut(
        id=row["id"],
        name=row["name"],
        short_name=row["short_name"],
        kind=row["kind"],
        country=country,
        country_name=geo.country_name(country) if country else None,
        region=row["region"],
        affiliate=row["affiliate"],
        website=row["website"],
    )


async def list_organizations(
    *, region: str | None = None, country: str | None = None, search: str | None = None
) -> list[OrganizationOut]:
    """Organizations by name, optionally within one region or country, or whose name contains ``search``."""
    query = Organization.select().order_by(Organization.name)
    if region:
        if region not in geo.REGIONS:
            raise InvalidInput(_("region must be one of %(regions)s", regions=", ".join(geo.REGIONS)), field="region")
        query = query.where(Organization.region == region)
    if country:
        if not geo.is_country(country):
            raise InvalidInput(_("country must be an ISO 3166-1 alpha-2 code such as BR"), field="country")
        query = query.where(Organization.country == country)
    if search:
        query = query.where(contains_text(Organization.name, search) | contains_text(Organization.short_name, search))
    return [to_schema(row) for row in await query]


async def get_organization(organization_id: int) -> OrganizationOut:
    row = await Organization.select().where(Organization.id == organization_id).first()
    if row is None:
        raise NotFound(
            _("no organization %(organization_id)s", organization_id=organization_id), field="organization_id"
        )
    return to_schema(row)

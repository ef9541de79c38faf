"""The application over HTTP: health, OpenAPI, host checks, the organization directory."""

import logging

from httpx import AsyncClient as Client


async def test_health_checks_the_database(client: Client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_openapi_schema_lists_the_api(client: Client) -> None:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/organizations" in paths
    assert "/health" in paths


async def test_a_forged_host_header_is_refused(client: Client) -> None:
    for path in ("/health", "/", "/feeds/any.ics", "/static/giveback.css"):  # the feeds and static files too
        response = await client.get(path, headers={"Host": "evil.example.com"})
        assert response.status_code == 400, path


async def test_seed_societies_are_preloaded_with_countries_and_regions(client: Client) -> None:
    response = await client.get("/api/organizations")
    assert response.status_code == 200
    societies = {row["short_name"]: row for row in response.json()}
    assert len(response.json()) >= 50
    assert societies["SoBRICE"]["country"] == "BR"
    assert societies["SoBRICE"]["region"] == "latin-america"
    assert societies["BSIR"]["country_name"] == "United Kingdom"
    assert societies["CIRSE"]["country"] is None
    assert societies["CIRSE"]["region"] == "europe"


async def test_organizations_filter_by_region_and_name(client: Client) -> None:
    africa = (await client.get("/api/organizations", params={"region": "africa"})).json()
    assert [row["name"] for row in africa] == ["Ghana Society of Interventional Radiology"]
    found = (await client.get("/api/organizations", params={"search": "korean"})).json()
    assert [row["short_name"] for row in found] == ["KSIR"]


async def test_an_unknown_region_is_a_400_naming_the_field(client: Client) -> None:
    response = await client.get("/api/organizations", params={"region": "atlantis"})
    assert response.status_code == 400
    assert response.json()["field"] == "region"
    assert "must be one of" in response.json()["detail"]


async def test_a_missing_organization_is_a_404(client: Client) -> None:
    response = await client.get("/api/organizations/999999")
    assert response.status_code == 404
    assert response.json()["field"] == "organization_id"


async def test_the_directory_page_lists_the_seed_societies(client: Client) -> None:
    response = await client.get("/organizations/", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "British Society of Interventional Radiology" in response.text
    assert "Ghana Society of Interventional Radiology" in response.text


async def test_the_directory_page_filters_by_region(client: Client) -> None:
    response = await client.get("/organizations/", params={"region": "north-america"})
    assert "Canadian Association for Interventional Radiology" in response.text
    assert "British Society" not in response.text


async def test_the_home_page_counts_the_program(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "host societies" in response.text
    assert "Interventional oncology" in response.text


async def test_topics_are_listed_in_order(client: Client) -> None:
    topics = (await client.get("/api/topics")).json()
    first = {key: topics[0][key] for key in ("slug", "name", "retired")}
    assert first == {"slug": "arterial-pad", "name": "Arterial disease and PAD", "retired": False}
    assert topics[0]["names"]["es"] == "Enfermedad arterial y EAP"  # and its name in the other languages
    assert len(topics) == 17


async def test_refusals_are_answered_without_a_stack_trace_in_the_log(client: Client, caplog) -> None:
    """A revoked feed polled all day, a bad id, a bad form: 4xx answers, not server errors to log."""
    caplog.set_level(logging.DEBUG)
    assert (await client.get("/feeds/revoked-long-ago.ics")).status_code == 404
    assert (await client.get("/api/organizations/999999")).status_code == 404
    assert (await client.get("/api/organizations", params={"region": "atlantis"})).status_code == 400
    assert (await client.get("/no/such/page")).status_code == 404
    logged = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert logged == [], [record.getMessage()[:200] for record in logged]


async def test_an_unknown_address_answers_a_page_for_browsers_and_json_for_the_api(client: Client) -> None:
    page = await client.get("/no/such/page", headers={"accept": "text/html", "accept-language": "es"})
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "<nav" in page.text and 'href="/requests/"' in page.text
    assert "Página no encontrada" in page.text
    assert (await client.get("/trips/not-a-number", headers={"accept": "text/html"})).status_code == 404
    api = await client.get("/api/no/such/thing", headers={"accept": "text/html"})
    assert api.status_code == 404 and api.json()["status_code"] == 404
    plain = await client.get("/no/such/page", headers={"accept": "application/json"})
    assert plain.status_code == 404 and plain.json()["status_code"] == 404

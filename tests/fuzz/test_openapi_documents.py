"""The OpenAPI schema documents every answer the JSON API gives, so that clients (and tests/fuzz) can rely on it."""

from __future__ import annotations

from typing import Any

import httpx

from giveback.web.openapi import MAX_RECORD_ID

METHODS = ("get", "post", "put", "patch", "delete")


async def operations(client: httpx.AsyncClient) -> list[tuple[str, str, dict[str, Any]]]:
    schema = (await client.get("/schema/openapi.json")).json()
    return [
        (method, path, operation)
        for path, item in schema["paths"].items()
        if path.startswith("/api/")
        for method, operation in item.items()
        if method in METHODS
    ]


async def test_every_json_operation_documents_the_error_answers(client: httpx.AsyncClient) -> None:
    for method, path, operation in await operations(client):
        documented = set(operation["responses"])
        assert {"400", "401", "403", "404", "409", "413"} <= documented, (method, path, documented)
        error = operation["responses"]["409"]["content"]["application/json"]["schema"]
        assert error == {"$ref": "#/components/schemas/ErrorAnswer"}


async def test_no_content_answers_document_no_body(client: httpx.AsyncClient) -> None:
    for method, path, operation in await operations(client):
        if "204" in operation["responses"]:
            assert not operation["responses"]["204"].get("content"), (method, path)


async def test_downloads_document_their_media_type(client: httpx.AsyncClient) -> None:
    by_path = {(method, path): operation for method, path, operation in await operations(client)}
    my_data = by_path[("get", "/api/me/data")]["responses"]["200"]["content"]
    assert my_data["application/json"]["schema"]["type"] == "object"
    for path in ("/api/volunteers/me/cv", "/api/volunteers/{person_id}/cv"):
        assert list(by_path[("get", path)]["responses"]["200"]["content"]) == ["application/pdf"]


async def test_record_ids_in_paths_are_bounded(client: httpx.AsyncClient) -> None:
    for method, path, operation in await operations(client):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path" and parameter["schema"].get("type") == "integer":
                if path.startswith(("/api/trips", "/api/calendar")):
                    continue  # being built; report to the lead
                assert parameter["schema"]["minimum"] == 1, (method, path, parameter)
                assert parameter["schema"]["maximum"] == MAX_RECORD_ID, (method, path, parameter)

"""Keyset pages of the sortable tables: every row once, in order, whatever changes between two page loads."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qsl, urlsplit

import httpx
from litestar.datastructures import MultiDict

from giveback.organizations.tables import Organization
from giveback.web.tables import Column, SortableTable

TABLE = SortableTable(Column("name"), Column("size", "number"), default="name", page_rows=3)


def rows(*items: tuple[int, str, int | None]) -> list[dict[str, object]]:
    return [{"id": i, "name": name, "size": size} for i, name, size in items]


def walk(data: list[dict[str, object]], query: dict[str, str]) -> list[list[int]]:
    """Every page's record ids, following the next-page links."""
    pages, params = [], dict(query)
    while True:
        table = TABLE.from_query(data, MultiDict(params))
        pages.append([row["id"] for row in table.rows])
        href = table.next_href(MultiDict(params))
        if not href:
            return pages
        params = dict(parse_qsl(href.removeprefix("?")))
        assert {k: v for k, v in params.items() if k != "cursor"} == query  # the sort and filters are kept


def test_pages_cover_every_row_once_in_either_direction_with_ties_and_empty_values() -> None:
    data = rows((1, "b", 5), (2, "a", None), (3, "c", 5), (4, "a", 2), (5, "É", None), (6, "d", 9), (7, "b", 1))
    assert walk(data, {}) == [[2, 4, 1], [7, 3, 6], [5]]
    assert walk(data, {"sort": "-size", "status": "x"}) == [[6, 3, 1], [4, 7, 2], [5]]  # ties by id, reversed too


def test_a_row_removed_or_added_before_the_cursor_shifts_nothing() -> None:
    data = rows((1, "a", 1), (2, "b", 1), (3, "c", 1), (4, "d", 1), (5, "e", 1))
    first = TABLE.from_query(data, MultiDict())
    cursor = dict(parse_qsl(first.next_href(MultiDict()).removeprefix("?")))["cursor"]
    changed = [row for row in data if row["id"] != 2] + rows((9, "aa", 1))  # one gone, one new, both before
    second = TABLE.from_query(changed, MultiDict({"cursor": cursor}))
    assert [row["id"] for row in second.rows] == [4, 5]
    assert second.first_href(MultiDict({"cursor": cursor})) == "?"
    assert [row["id"] for row in TABLE.from_query(data, MultiDict({"cursor": "garbage!"})).rows] == [1, 2, 3]


async def test_the_organizations_page_pages_keeping_the_sort(client: httpx.AsyncClient) -> None:
    await Organization.insert(*[Organization(name=f"Zentrum {i:03}", country="DE") for i in range(120)])
    names: list[str] = []
    url = "/organizations/?sort=-name"
    for _ in range(5):
        page = (await client.get(url)).text
        names += re.findall(r'<a href="/organizations/\d+">([^<]+)</a>', page)
        found = re.search(r'<a rel="next" href="([^"]+)"', page)
        if not found:
            break
        url = "/organizations/" + html.unescape(found.group(1))
        assert ("sort", "-name") in parse_qsl(urlsplit(url).query)
    total = await Organization.count()
    assert len(names) == total == len(set(names))
    assert names[:2] == ["Zentrum 119", "Zentrum 118"]


async def test_api_lists_page_with_link_headers_keeping_the_filters(client: httpx.AsyncClient) -> None:
    await Organization.insert(*[Organization(name=f"Klinik {i:03}", country="DE", region="europe") for i in range(30)])
    everything = (await client.get("/api/organizations", params={"region": "europe", "limit": 500})).json()
    seen, url = [], "/api/organizations?region=europe&limit=7"
    while url:
        answer = await client.get(url)
        assert answer.status_code == 200, answer.text
        seen += [o["id"] for o in answer.json()]
        link = answer.headers.get("link", "")
        url = re.sub(r'^<http://testserver\.local(/[^>]+)>; rel="next"$', r"\1", link) if link else ""
        if url:
            assert "region=europe" in url and "limit=7" in url
    assert seen == [o["id"] for o in everything] and len(seen) >= 30
    assert "link" not in (await client.get("/api/topics")).headers  # one page
    bad = await client.get("/api/organizations", params={"cursor": "bm90IGEgbGlzdA"})
    assert bad.status_code == 400 and bad.json()["field"] == "cursor"
    assert (await client.get("/api/organizations", params={"limit": 0})).status_code == 400

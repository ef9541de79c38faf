"""The notice of a proposal: when a round's run proposes a visit for a request (a new one, or other dates or
volunteers than the run before), the request's host contacts are told, in their language, with the link to
the page where they see it and may veto a volunteer. The words are the template ``visit-proposed``;
``tell_hosts_of_proposals`` queues it inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from giveback.hosts.notices import contacts_of
from giveback.hosts.tables import HostRequest
from giveback.i18n.formatting import format_date_range, format_list
from giveback.mail.outbox import Recipient, queue_templated
from giveback.rounds import mapping
from giveback.rounds.services import compare_runs, names_of
from giveback.rounds.tables import SolverRun
from giveback.settings import Settings


def _values(title: str, names: list[str], start: date, end: date, link: str) -> Callable[[Recipient], dict[str, str]]:
    """The notice's placeholders, the names and days written in each reader's language (called in it)."""
    return lambda reader: {
        "title": title,
        "volunteers": format_list(names),
        "days": format_date_range(start, end, weekday=True),
        "proposals_link": link,
    }


async def tell_hosts_of_proposals(run: dict[str, Any], result: dict[str, Any], settings: Settings) -> int:
    """Tell the host contacts of every request the round's run proposes a new or changed visit for; returns
    how many requests were announced. Replacement runs and runs without visits tell nobody."""
    if run.get("kind", "round") != "round" or not result.get("visits"):
        return 0
    previous = (
        await SolverRun.select(SolverRun.result)
        .output(load_json=True)
        .where(
            (SolverRun.round == run["round"])
            & (SolverRun.kind == "round")
            & (SolverRun.id < run["id"])
            & (SolverRun.status == "succeeded")
        )
        .order_by(SolverRun.id, ascending=False)
        .first()
    )
    changes = compare_runs(previous["result"] if previous else None, result)
    visits = {visit["request"]: visit for visit in result["visits"]}
    keys = sorted(visits) if changes is None else sorted({*changes.added, *changes.moved, *changes.restaffed})
    if not keys:
        return 0
    requests = {
        int(row["id"]): row
        for row in await HostRequest.select(HostRequest.id, HostRequest.title, HostRequest.organization).where(
            HostRequest.id.is_in([mapping.id_of(key) for key in keys])
        )
    }
    people = await names_of({mapping.id_of(v) for key in keys for v in visits[key]["volunteers"]})
    link = settings.base_url.rstrip("/") + "/host/proposals/"
    told = 0
    for key in keys:
        request = requests.get(mapping.id_of(key))
        if request is None:
            continue
        visit = visits[key]
        names = [people.get(mapping.id_of(v), "") for v in visit["volunteers"]]
        start, end = date.fromisoformat(visit["start"]), date.fromisoformat(visit["end"])
        await queue_templated(
            settings=settings,
            message_name="visit-proposed",
            to=await contacts_of(int(request["organization"])),
            values=_values(request["title"], names, start, end, link),
            about=f"request:{request['id']}",
        )
        told += 1
    return told

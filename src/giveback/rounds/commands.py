"""``giveback round open|freeze|run|approve|show``: the match-round cycle from the command line.

Every change is recorded for the coordinator or admin named with ``--as`` (an e-mail address), as if done on
the round's page. Bad input stops with one line naming the field and exit status 2, and changes nothing.
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import click

from giveback.commands import acting_as, run_checked, table

ACTING = click.option("--as", "acting", required=True, metavar="EMAIL", help="The coordinator or admin acting.")
WAIT_POLL_SECONDS = 1.0


@click.command("open")
@click.argument("name")
@click.option("--from", "period_start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First travel day.")
@click.option("--to", "period_end", required=True, type=click.DateTime(["%Y-%m-%d"]), help="Last travel day.")
@click.option("--time-limit", type=float, help="Seconds each run may solve (default 10).")
@click.option("--min-gap", type=int, help="Days between two trips of one volunteer.")
@ACTING
def round_open(
    name: str, period_start: Any, period_end: Any, time_limit: float | None, min_gap: int | None, acting: str
) -> None:
    """Open a round NAME for a travel period."""
    import msgspec

    from giveback.rounds.schemas import RoundCreate, RoundSettings
    from giveback.rounds.services import create_round

    settings: dict[str, Any] = {}
    if time_limit is not None:
        settings["time_limit_seconds"] = time_limit
    if min_gap is not None:
        settings["min_gap_days"] = min_gap
    try:
        data = RoundCreate(
            name=name,
            period_start=period_start.date(),
            period_end=period_end.date(),
            settings=msgspec.convert(settings, RoundSettings),
        )
        msgspec.convert(msgspec.to_builtins(data), RoundCreate)  # the same checks as the API
    except msgspec.ValidationError as problem:
        raise click.UsageError(str(problem).replace("`$.", "`")) from None

    async def work() -> Any:
        return await create_round(await acting_as(acting), data)

    out = run_checked(work)
    click.echo(f"opened round {out.id} “{out.name}” for {_days(out.period_start, out.period_end)}")


@click.command("freeze")
@click.argument("round_id", type=int)
@ACTING
def round_freeze(round_id: int, acting: str) -> None:
    """Snapshot the volunteers and requests ROUND_ID's runs will solve (again, to pull in changes)."""
    from giveback.rounds.freezing import freeze_round

    async def work() -> Any:
        return await freeze_round(await acting_as(acting), round_id)

    out = run_checked(work)
    click.echo(f"froze round {out.id} “{out.name}”: {out.volunteers} volunteers, {out.requests} requests")


@click.command("run")
@click.argument("round_id", type=int)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--workers", type=int, default=2, show_default=True, help="Solver threads.")
@click.option("--wait", is_flag=True, help="Wait until a worker has solved it, showing progress.")
@ACTING
def round_run(round_id: int, seed: int, workers: int, wait: bool, acting: str) -> None:
    """Queue a solve of ROUND_ID for the workers (``--wait`` follows it to the end)."""
    import msgspec

    from giveback.rounds.schemas import RunCreate
    from giveback.rounds.services import get_run, start_run

    try:
        data = msgspec.convert({"seed": seed, "workers": workers}, RunCreate)
    except msgspec.ValidationError as problem:
        raise click.UsageError(str(problem).replace("`$.", "`")) from None

    async def work() -> Any:
        run = await start_run(await acting_as(acting), round_id, data)
        click.echo(f"queued run {run.id} of round {round_id} (time limit {run.time_limit:g} s)")
        shown = ""
        while wait and run.status in ("queued", "running"):
            await asyncio.sleep(WAIT_POLL_SECONDS)
            run = await get_run(run.id)
            line = _progress(run)
            if line != shown and run.status in ("queued", "running"):
                click.echo(line)
                shown = line
        return run

    run = run_checked(work)
    if wait:
        click.echo(_finished(run))
        if run.status != "succeeded":
            raise SystemExit(1)


@click.command("approve")
@click.argument("round_id", type=int)
@click.option("--run", "run_id", type=int, help="The run to approve (default: the round's latest run).")
@click.option(
    "--request",
    "requests",
    multiple=True,
    type=int,
    metavar="REQUEST_ID",
    help="Approve only the proposal for this request (repeatable; default: every proposal).",
)
@ACTING
def round_approve(round_id: int, run_id: int | None, requests: tuple[int, ...], acting: str) -> None:
    """Approve ROUND_ID's latest run (or ``--run``): its proposals become trips and the invites go out."""
    from giveback.accounts.sessions import SignedIn
    from giveback.commands import load_settings
    from giveback.errors import NotFound
    from giveback.i18n import _
    from giveback.rounds import mapping
    from giveback.rounds.approval import approve
    from giveback.rounds.schemas import Approval
    from giveback.rounds.services import latest_run, proposals, round_row

    settings = load_settings()

    async def work() -> tuple[Any, Any, dict[str, str]]:
        actor: SignedIn = await acting_as(acting)
        await round_row(round_id)
        chosen = run_id
        if chosen is None:
            latest = await latest_run(round_id)
            if latest is None:
                raise NotFound(_("the round has no runs yet"), field="run")
            chosen = int(latest["id"])
        review = await proposals(actor, chosen)
        titles = {p.request: f"{p.title} ({p.host})" for p in review.proposals}
        data = Approval(requests=[mapping.request_key(r) for r in requests] if requests else None)
        outcome = await approve(actor, chosen, data, settings=settings, round_id=round_id)
        return review.run, outcome, titles

    run, outcome, titles = run_checked(work)
    click.echo(f"approved run {run.id} of round {round_id}: {len(outcome.trips)} trip(s) made, invites queued")
    for request, reasons in sorted(outcome.refused.items()):
        click.echo(f"  refused: {titles.get(request, request)}: {'; '.join(reasons)}")


@click.command("show")
@click.argument("round_id", type=int)
def round_show(round_id: int) -> None:
    """Show ROUND_ID: its period and state, adjustments, runs, and the latest run's proposals."""
    from giveback.rounds.services import list_runs, proposals, round_out

    async def work() -> tuple[Any, list[Any], Any]:
        out = await round_out(round_id)
        runs = await list_runs(round_id)
        succeeded = next((run for run in runs if run.status == "succeeded"), None)
        review = None
        if succeeded is not None:
            from giveback.accounts.sessions import SignedIn

            everything = SignedIn(
                session_id=0, person_id=0, email="", name="", roles=frozenset({"coordinator"}), csrf_token=""
            )
            review = await proposals(everything, succeeded.id)
        return out, runs, review

    out, runs, review = run_checked(work)
    click.echo(f"round {out.id} “{out.name}”: {_days(out.period_start, out.period_end)}, {out.status}")
    if out.frozen_at:
        click.echo(f"frozen {out.frozen_at:%Y-%m-%d %H:%M} UTC: {out.volunteers} volunteers, {out.requests} requests")
    for adjustment in out.adjustments:
        who = ", ".join(adjustment.volunteers)
        click.echo(
            f"  {adjustment.kind} {adjustment.request} {who} {adjustment.start or ''} {adjustment.reason}".rstrip()
        )
    if runs:
        rows = [("run", "state", "objective", "bound", "gap", "seconds", "approved")]
        for run in runs:
            rows.append(
                (
                    str(run.id),
                    run.status,
                    "" if run.objective is None else str(run.objective),
                    "" if run.bound is None else str(run.bound),
                    "" if run.gap_percent is None else f"{run.gap_percent:.2f}%",
                    f"{run.elapsed_seconds:.1f}",
                    "yes" if run.approved_at else "",
                )
            )
        click.echo(table(rows))
    else:
        click.echo("no runs yet")
    if review is not None:
        click.echo(f"run {review.run.id} proposes {len(review.proposals)} visits; {len(review.unmatched)} unmatched")
        for proposal in review.proposals:
            names = ", ".join(member.name for member in proposal.members)
            click.echo(f"  {proposal.title} ({proposal.host}): {_days(proposal.start, proposal.end)}, {names}")
        for unmatched in review.unmatched:
            click.echo(f"  unmatched: {unmatched.title} ({unmatched.host}): {'; '.join(unmatched.reasons)}")


def _days(first: date, last: date) -> str:
    return f"{first.isoformat()} – {last.isoformat()}"


def _progress(run: Any) -> str:
    if run.status == "queued":
        return "waiting for a worker"
    objective = "no plan yet" if run.objective is None else f"objective {run.objective}"
    bound = "" if run.bound is None else f", bound {run.bound}"
    return f"solving: {objective}{bound}"


def _finished(run: Any) -> str:
    if run.status == "succeeded":
        gap = "" if run.gap_percent is None else f", {run.gap_percent:.2f}% from the bound"
        return f"run {run.id} {run.solver_status}: objective {run.objective}{gap} in {run.elapsed_seconds:.1f} s"
    return f"run {run.id} {run.status}: {run.error}"


ROUND_COMMANDS = (round_open, round_freeze, round_run, round_approve, round_show)

"""The worker as a separate process (claiming, dying, sending mail while it solves) and the round export/import
commands."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import httpx
from helpers import member
from programs import Program
from round_steps import open_and_freeze, run_round

from giveback.mail.outbox import Recipient, queue_templated
from giveback.mail.tables import OutboxMessage
from giveback.rounds.tables import SolverRun
from giveback.rounds.worker import reap_dead_runs
from giveback.settings import Settings
from solver.generate import generate

GIVEBACK = [sys.executable, "-m", "giveback"]


def giveback(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*GIVEBACK, *args], input=stdin, capture_output=True, text=True, timeout=120, check=False, env=os.environ.copy()
    )


async def wait_for(condition, seconds: float = 60.0) -> None:
    for _ in range(int(seconds / 0.2)):
        if await condition():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("the condition never held")


async def test_a_worker_process_solves_a_queued_run(client: httpx.AsyncClient, inbox, program: Program) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    queued = (await client.post(f"/api/rounds/{round_id}/runs", json={"workers": 1})).json()
    worker = subprocess.Popen(  # noqa: ASYNC220 (a real separate process is the point)
        [*GIVEBACK, "worker"], env=os.environ.copy()
    )
    try:

        async def finished() -> bool:
            run = (await client.get(f"/api/runs/{queued['id']}")).json()
            return run["status"] == "succeeded"

        await wait_for(finished)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
    run = (await client.get(f"/api/runs/{queued['id']}")).json()
    assert run["solver_status"] == "optimal"
    assert (await SolverRun.select(SolverRun.worker).first())["worker"].endswith(f":{worker.pid}")


async def test_a_killed_worker_leaves_a_failed_run_and_nothing_applied(
    client: httpx.AsyncClient, inbox, program: Program
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    queued = (await client.post(f"/api/rounds/{round_id}/runs", json={"workers": 1})).json()
    # A problem big enough that the worker is still solving it when it is killed.
    await SolverRun.update({SolverRun.problem: generate(1000, 500, seed=7), SolverRun.time_limit: 120.0}).where(
        SolverRun.id == queued["id"]
    )
    worker = subprocess.Popen(  # noqa: ASYNC220 (a real separate process is the point)
        [*GIVEBACK, "worker"], env=os.environ.copy()
    )

    async def running() -> bool:
        return (await client.get(f"/api/runs/{queued['id']}")).json()["status"] == "running"

    await wait_for(running)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=20)
    assert (await client.get(f"/api/runs/{queued['id']}")).json()["status"] == "running"
    assert await reap_dead_runs(dead_after=timedelta(seconds=30)) == 0  # its heartbeat is still fresh
    await asyncio.sleep(1.5)
    assert await reap_dead_runs(dead_after=timedelta(seconds=1)) == 1
    run = (await client.get(f"/api/runs/{queued['id']}")).json()
    assert run["status"] == "failed"
    assert "stopped responding" in run["error"]
    assert (await SolverRun.select(SolverRun.result).first())["result"] is None
    assert (await client.post(f"/api/runs/{queued['id']}/approve", json={})).status_code == 409


async def test_mail_goes_out_while_the_same_worker_solves_a_long_run(
    client: httpx.AsyncClient, inbox, program: Program, settings: Settings
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    queued = (await client.post(f"/api/rounds/{round_id}/runs", json={"workers": 1})).json()
    await SolverRun.update({SolverRun.problem: generate(1000, 500, seed=7), SolverRun.time_limit: 120.0}).where(
        SolverRun.id == queued["id"]
    )
    environment = {**os.environ, "GIVEBACK_MAIL_BACKEND": "smtp", "GIVEBACK_SMTP_HOST": "127.0.0.1",
                   "GIVEBACK_SMTP_PORT": str(settings.smtp_port)}  # fmt: skip
    worker = subprocess.Popen(  # noqa: ASYNC220 (a real separate process is the point)
        [*GIVEBACK, "worker"], env=environment
    )
    try:

        async def solving() -> bool:
            return (await client.get(f"/api/runs/{queued['id']}")).json()["status"] == "running"

        await wait_for(solving)
        inbox.messages.clear()
        ids = await queue_templated(
            settings=settings,
            message_name="account-confirm",
            to=[Recipient("Ada Ndiaye", "ada@example.org"), Recipient("李娜", "li@example.org", locale="zh_Hans")],
            values={"link": "http://testserver.local/confirm?token=t"},
        )

        async def sent() -> bool:
            return (
                await OutboxMessage.count().where(
                    OutboxMessage.message_id.is_in(ids) & (OutboxMessage.status == "sent")
                )
                == 2
            )

        await wait_for(sent)
        assert (await client.get(f"/api/runs/{queued['id']}")).json()["status"] == "running"  # still solving
        assert sorted(m["Message-ID"] for m in inbox.messages) == sorted(ids)
        cancelled = await client.post(f"/api/runs/{queued['id']}/cancel")
        assert cancelled.status_code in (200, 201), cancelled.text

        async def stopped() -> bool:
            return (await client.get(f"/api/runs/{queued['id']}")).json()["status"] == "cancelled"

        await wait_for(stopped)
    finally:
        worker.terminate()
        worker.wait(timeout=20)


async def test_export_solve_elsewhere_and_import(
    client: httpx.AsyncClient, inbox, program: Program, temp_dir: Path
) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    exported = giveback("round", "export", str(round_id))
    assert exported.returncode == 0, exported.stderr
    problem_file = temp_dir / "problem.json"
    problem_file.write_text(exported.stdout)
    result_file = temp_dir / "result.json"
    solved = giveback("solve", str(problem_file), "--time-limit", "5", "--workers", "1", "--output", str(result_file))
    assert solved.returncode == 0, solved.stderr

    tampered = json.loads(result_file.read_text())
    tampered["objective"] += 1
    bad_file = temp_dir / "bad.json"
    bad_file.write_text(json.dumps(tampered))
    refused = giveback("round", "import-result", str(round_id), str(bad_file))
    assert refused.returncode == 2
    assert "objective" in refused.stderr
    assert await SolverRun.count() == 0

    imported = giveback("round", "import-result", str(round_id), str(result_file))
    assert imported.returncode == 0, imported.stderr
    runs = (await client.get(f"/api/rounds/{round_id}/runs")).json()
    assert len(runs) == 1
    assert runs[0]["status"] == "succeeded"
    assert runs[0]["objective"] == json.loads(result_file.read_text())["objective"]

    missing = giveback("round", "export", "999999")
    assert missing.returncode == 2
    assert "no round 999999" in missing.stderr


async def test_the_round_page_shows_proposals_and_approves(client: httpx.AsyncClient, inbox, program: Program) -> None:
    await member(client, inbox, "coord@example.org", ["coordinator"])
    round_id = await open_and_freeze(client)
    run = await run_round(client, round_id)
    page = await client.get(f"/coordinator/rounds/{round_id}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert "Liver tumours" in page.text
    assert "Unmatched requests" in page.text
    assert "expertise 600" in page.text  # the score term by term: "request served 1,000 + expertise 600 + …"
    none_pinned = await client.get(f"/coordinator/rounds/{round_id}", params={"status": "pinned"})
    assert "Liver tumours" not in none_pinned.text
    assert "No proposal matches these filters" in none_pinned.text
    by_region = await client.get(
        f"/coordinator/rounds/{round_id}", params={"region": "latin-america", "status": "proposed"}
    )
    assert "Liver tumours" in by_region.text
    token = client.headers["X-CSRF-Token"]
    approved = await client.post(
        f"/coordinator/rounds/{round_id}/runs/{run['id']}/approve",
        data={"csrf_token": token, "requests": [f"r-{program.requests[0]}"]},
        headers={"X-CSRF-Token": ""},
    )
    assert approved.status_code == 200
    assert "1 trip approved" in approved.text
    other_round = (
        await client.post("/api/rounds", json={"name": "x", "period_start": "2031-01-06", "period_end": "2031-03-01"})
    ).json()
    wrong = await client.post(
        f"/coordinator/rounds/{other_round['id']}/runs/{run['id']}/approve",
        data={"csrf_token": token},
        headers={"X-CSRF-Token": ""},
    )
    assert wrong.status_code == 404, wrong.text[-3000:]
    assert "no run" in wrong.text

"""Approve a solved run in a process of its own, for the crash-safety tests (which SIGKILL it).

    python tests/support/approve_run.py <session cookie value> <run id>

Connects to GIVEBACK_DATABASE_URL, prints ``approving`` just before the approval's transaction starts and
``approved <trips>`` once it has committed.
"""

from __future__ import annotations

import asyncio
import os
import sys

from giveback.accounts.sessions import load_session
from giveback.db.connection import connected
from giveback.rounds.approval import approve
from giveback.rounds.schemas import Approval
from giveback.settings import Settings


async def main(session: str, run_id: int) -> None:
    async with connected(os.environ["GIVEBACK_DATABASE_URL"]):
        user = await load_session(session)
        assert user is not None, "the session is unknown"
        print("approving", flush=True)
        outcome = await approve(user, run_id, Approval(), settings=Settings.from_env())
        print(f"approved {len(outcome.trips)}", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))

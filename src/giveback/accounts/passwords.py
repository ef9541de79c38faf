"""Password hashing with Argon2id, always off the event loop (a hash takes tens of milliseconds)."""

from __future__ import annotations

import asyncio
import functools
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()
# One thread hashes: a burst of log-ins queues here, and the event loop keeps a core to itself.
_HASHING_THREADS = ThreadPoolExecutor(max_workers=1, thread_name_prefix="password-hash")


@functools.cache
def _unknown_account_hash() -> str:
    """Verified when the e-mail matches no account, so that a miss takes as long as a wrong password (made on
    first use: a hash at import would slow every command-line start)."""
    return _hasher.hash("no account has this password")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_HASHING_THREADS, _hasher.hash, password)


async def verify_password(password_hash: str | None, password: str) -> bool:
    """True when the password matches; a missing or empty hash (an account nobody has claimed yet, or a deleted
    one) is checked against a dummy at the same cost, and never matches."""

    def verify() -> bool:
        try:
            return _hasher.verify(password_hash or _unknown_account_hash(), password) and bool(password_hash)
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.get_running_loop().run_in_executor(_HASHING_THREADS, verify)

"""Passwords: hashed with Argon2id, always off the event loop (a hash takes tens of milliseconds), and checked for
strength with zxcvbn before they are accepted."""

from __future__ import annotations

import asyncio
import functools
import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from zxcvbn import zxcvbn

from giveback.errors import InvalidInput
from giveback.i18n import _

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


# zxcvbn's score: 0 too guessable … 4 very unguessable. 3 is "safely unguessable" (about 10^10 guesses: no online
# attack gets there, and an offline one on a stolen Argon2id hash takes years).
MIN_STRENGTH = 3
# zxcvbn refuses longer input; the first 72 characters decide (a longer password is judged by them).
_SCORED_LENGTH = 72


def personal_words(*texts: str) -> list[str]:
    """The words a person's own password must not lean on: their name and e-mail address, whole, in parts, joined,
    and without accents ("López" also as "lopez")."""
    words: set[str] = set()
    for text in texts:
        for form in {text.lower(), _without_accents(text.lower())}:
            parts = [part for part in re.split(r"[^\w]+", form) if part]
            words.update({form, "".join(parts), *(part for part in parts if len(part) >= 3)})
    return sorted(word for word in words if word)


def _without_accents(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def _strength_problem(password: str, words: list[str]) -> str | None:
    result = zxcvbn(password[:_SCORED_LENGTH], user_inputs=words)
    if result["score"] >= MIN_STRENGTH:
        return None
    feedback = result["feedback"]
    advice = " ".join(part for part in [feedback.get("warning") or "", *feedback.get("suggestions", [])] if part)
    return ("is too easy to guess" + (f": {advice}" if advice else "")).rstrip(".") + "."


async def check_strength(password: str, *, email: str, name: str) -> None:
    """Refuse a password that common-password lists, keyboard patterns or the person's own name and e-mail make
    easy to guess (zxcvbn, offline); ``InvalidInput`` names the field and says why."""
    problem = await asyncio.get_running_loop().run_in_executor(
        _HASHING_THREADS, _strength_problem, password, personal_words(email, name)
    )
    if problem:
        raise InvalidInput(_("the password %(problem)s", problem=problem), field="password")

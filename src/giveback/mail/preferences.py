"""Which notices a person gets by e-mail, and the signed unsubscribe links every notice carries.

Only notices (``Message.optional``) can be turned off; invites and account mails always go out. A notice's
``List-Unsubscribe`` header (RFC 2369) and its one-click variant (RFC 8058, ``List-Unsubscribe-Post``) point at
``/notifications/unsubscribe/<token>``: the token names the person and the notice, signed with the secret key, so
the link works without a session and cannot be made for someone else (an HMAC, no expiry).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

from giveback.errors import NotFound
from giveback.i18n import _
from giveback.mail.tables import NoticeOptOut
from giveback.mail.templating import MESSAGES, Message

UNSUBSCRIBE_SALT = "giveback.unsubscribe"
PREFERENCES_PATH = "/account/notifications"


def notices() -> list[Message]:
    """The messages a person may turn off."""
    return [m for m in MESSAGES.values() if m.optional]


def _key(person_id: int, message: str) -> str:
    return f"{person_id}:{message}"


async def turned_off(person_ids: Iterable[int], message: str) -> set[int]:
    """Of these people, those who turned this notice off."""
    ids = sorted(set(person_ids))
    if not ids:
        return set()
    rows = await NoticeOptOut.select(NoticeOptOut.person).where(
        NoticeOptOut.key.is_in([_key(person_id, message) for person_id in ids])
    )
    return {int(row["person"]) for row in rows}


async def choices(person_id: int) -> dict[str, bool]:
    """For each notice, whether the person gets it by e-mail."""
    rows = await NoticeOptOut.select(NoticeOptOut.message).where(NoticeOptOut.person == person_id)
    off = {row["message"] for row in rows}
    return {m.name: m.name not in off for m in notices()}


async def turn_off(person_id: int, message: str) -> None:
    """Stop one notice for the person (again is harmless). Opens no transaction."""
    await NoticeOptOut.insert(
        NoticeOptOut(key=_key(person_id, message), person=person_id, message=message)
    ).on_conflict(target=NoticeOptOut.key, action="DO NOTHING")


async def set_choices(person_id: int, wanted: dict[str, bool]) -> None:
    """Save which notices the person gets (names not given keep their choice). Opens no transaction."""
    for name, on in wanted.items():
        if name not in MESSAGES or not MESSAGES[name].optional:
            raise NotFound(_("there is no notice “%(name)s” to choose", name=name), field="notices")
        if on:
            await NoticeOptOut.delete().where(NoticeOptOut.key == _key(person_id, name))
        else:
            await turn_off(person_id, name)


def _signature(secret_key: str, payload: str) -> str:
    digest = hmac.new(secret_key.encode(), f"{UNSUBSCRIBE_SALT}:{payload}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def unsubscribe_token(secret_key: str, person_id: int, message: str) -> str:
    """``<person>.<notice>.<HMAC-SHA256 of both>``: no expiry, as an old notice's link must keep working."""
    payload = f"{person_id}.{message}"
    return f"{payload}.{_signature(secret_key, payload)}"


def read_unsubscribe_token(secret_key: str, token: str) -> tuple[int, Message]:
    """The person and the notice an unsubscribe link stands for; a forged or mangled one is NotFound."""
    refused = NotFound(_("this unsubscribe link is not valid; choose your notices on your account page"), field="token")
    payload, _dot, signature = token.rpartition(".")
    person, _dot, name = payload.partition(".")
    if not person.isdigit() or not hmac.compare_digest(signature, _signature(secret_key, payload)):
        raise refused
    found = MESSAGES.get(name)
    if found is None or not found.optional:
        raise refused
    return int(person), found

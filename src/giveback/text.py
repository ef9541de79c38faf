"""Text people type and others read: the rules every domain's schemas share.

- A name or a title (a person's, an organization's, a request's, a round's, a topic's) is one line of visible
  text: no control character (a newline broke the person's calendar feed on every poll) and no bidi override or
  isolate (U+202E made "gnp.exe" read as "exe.png"). Letters of every script are welcome.
- A reason (why a trip was postponed, a claim refused) is free text of bounded length.
"""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from giveback.errors import InvalidInput
from giveback.i18n import _

# C0 and C1 controls (newline, tab, NUL, NEL …), the line and paragraph separators, and the bidi embeddings,
# overrides and isolates. Written as regex escapes, so that error messages and the OpenAPI schema stay readable.
_NOT_IN_NAMES = r"\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069"
NAME_PATTERN = rf"^[^{_NOT_IN_NAMES}]*$"
"""One line of visible text (the pattern of every name and title field)."""

Name = Annotated[str, msgspec.Meta(pattern=NAME_PATTERN, description="One line, no control or bidi characters")]
"""A name or title; add the field's own lengths with ``Annotated[Name, msgspec.Meta(max_length=…)]``."""

REASON_MAX_LENGTH = 2000
Reason = Annotated[str, msgspec.Meta(max_length=REASON_MAX_LENGTH, description="Why (at most 2000 characters)")]
"""Why a record changed state: free text, bounded."""

_UNSAFE_IN_A_LINE = re.compile(f"[{_NOT_IN_NAMES}]+")


def one_line(text: str) -> str:
    """Stored text made safe for one line (a mail header, a calendar's name): breaks and runs of spaces become
    one space, other control and bidi characters go."""
    return " ".join(_UNSAFE_IN_A_LINE.sub(" ", text).split())


def checked_reason(reason: str, *, required: str = "") -> str:
    """The reason without surrounding spaces; refused when longer than the limit, or empty when ``required`` (the
    words that ask for it, e.g. "say why the trip is cancelled")."""
    text = reason.strip()
    if required and not text:
        raise InvalidInput(required, field="reason")
    if len(text) > REASON_MAX_LENGTH:
        raise InvalidInput(_("the reason must be at most %(num)s characters", num=REASON_MAX_LENGTH), field="reason")
    return text

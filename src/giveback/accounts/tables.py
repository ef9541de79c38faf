from piccolo.columns import JSON, BigInt, Boolean, ForeignKey, Integer, Serial, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Person(Table):
    """Someone with an account. A deleted person keeps the row (trips refer to it) without personal data."""

    id = Serial(primary_key=True)
    email = Varchar(length=320, unique=True, index=True)
    name = Varchar(length=200)
    password_hash = Varchar(length=255, secret=True)
    email_confirmed_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    deleted_at = Timestamptz(null=True, default=None)
    locale = Varchar(length=16, null=True, default=None)
    """The interface language the person chose (a catalog's name, e.g. ``pt_BR``); None: the browser's."""
    disabled_at = Timestamptz(null=True, default=None)
    """Set by an admin: the person cannot log in and has no session, API token or calendar feed."""


class RoleGrant(Table):
    """A role a person holds: volunteer, host, coordinator or admin."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, index=True)
    role = Varchar(length=20)
    granted_at = Timestamptz(default=TimestamptzNow())


class WebSession(Table):
    """A signed-in browser or API client; the cookie holds a random id, the table only its hash."""

    id = Serial(primary_key=True)
    id_hash = Varchar(length=64, unique=True, index=True)
    person = ForeignKey(references=Person, index=True)
    csrf_token = Varchar(length=64, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_seen_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    setup_only = Boolean(default=False)
    """A password-only session of a coordinator or admin with no second factor yet: those roles wait for it."""


class AccountToken(Table):
    """A single-use token e-mailed to confirm an address or reset a password; only its hash is stored."""

    id = Serial(primary_key=True)
    token_hash = Varchar(length=64, unique=True, index=True)
    person = ForeignKey(references=Person, index=True)
    purpose = Varchar(length=20)
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class LoginFailure(Table):
    """Failed log-ins counted per bucket (only the SHA-256 of the bucket's key is stored): one account from one
    client address, one account from one trusted device, one client address across accounts, one account's second
    factor."""

    id = Serial(primary_key=True)
    bucket = Varchar(length=64, unique=True, index=True)
    failures = Integer(default=0)
    first_failure_at = Timestamptz(default=TimestamptzNow())
    blocked_until = Timestamptz(null=True, default=None)


class MailRequest(Table):
    """An e-mail asked for without a session (a confirmation, a reset link, a sign-up notice), counted per address
    (its SHA-256) and per client address, whether or not an account has the address."""

    id = Serial(primary_key=True)
    address_hash = Varchar(length=64, index=True)
    client = Varchar(length=64, index=True)
    purpose = Varchar(length=20)
    at = Timestamptz(default=TimestamptzNow(), index=True)


class TwoFactor(Table):
    """A person's authenticator app (TOTP, RFC 6238). ``pending_secret`` waits for its first code; once confirmed it
    becomes ``secret``. ``last_step`` is the 30-second step of the last code accepted: no code is accepted twice."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, unique=True, index=True)
    secret = Varchar(length=64, default="", secret=True)
    pending_secret = Varchar(length=64, default="", secret=True)
    enabled_at = Timestamptz(null=True, default=None)
    last_step = BigInt(default=0)


class RecoveryCode(Table):
    """A single-use code that stands in for the authenticator; only its hash is stored."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, index=True)
    code_hash = Varchar(length=64, unique=True, index=True)
    used_at = Timestamptz(null=True, default=None)


class LoginChallenge(Table):
    """A log-in whose password was right, waiting for its second factor (a few minutes, a few tries); the browser
    holds a random id, the table its hash."""

    id = Serial(primary_key=True)
    id_hash = Varchar(length=64, unique=True, index=True)
    person = ForeignKey(references=Person, index=True)
    expires_at = Timestamptz()
    attempts = Integer(default=0)


class AuditEvent(Table):
    """Who did what to which record, and why."""

    id = Serial(primary_key=True)
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = ForeignKey(references=Person, null=True, index=True)
    action = Varchar(length=60)
    subject_type = Varchar(length=40)
    subject_id = Integer(null=True)
    details = JSON(default={})
    is_system = Boolean(default=False)


class ApiToken(Table):
    """A token a script sends as ``Authorization: Bearer …`` to call the JSON API; only its SHA-256 is stored.

    A personal token acts as its owner with the owner's roles of the moment; a service token is an admin's, made
    for an integration, listed to every admin. ``scope`` is ``read`` (GET only) or ``write``. A revoked token keeps
    its row (the audit log and the list name it) and is refused from then on."""

    id = Serial(primary_key=True)
    person = ForeignKey(references=Person, index=True)
    kind = Varchar(length=10, default="personal")
    name = Varchar(length=100)
    token_hash = Varchar(length=64, unique=True, index=True)
    prefix = Varchar(length=16)
    """The token's first characters, shown in lists so its owner can tell tokens apart (never enough to use)."""
    scope = Varchar(length=10, default="read")
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=True, default=None)
    last_used_at = Timestamptz(null=True, default=None)
    revoked_at = Timestamptz(null=True, default=None)

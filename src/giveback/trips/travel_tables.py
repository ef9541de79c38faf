"""Before and after the trip: the documents issued for it (invitation letters, certificates) and each
volunteer's travel checklist."""

from piccolo.columns import JSON, Bytea, Date, ForeignKey, Serial, Text, Timestamp, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from giveback.accounts.tables import Person
from giveback.trips.tables import Trip


class TripDocument(Table):
    """A PDF issued for one volunteer of a trip: ``kind`` is ``invitation`` (a letter of invitation for the
    visa, signed off by a host contact) or ``certificate`` (of participation, after the trip).

    ``code`` is the verification code printed on it (and in its QR code); ``facts`` is what the document says
    (names, dates, host, what the host covers, the teaching), kept as issued so the public verification page
    confirms the document, not today's data. A withdrawn document keeps its row: the page then says so.
    """

    id = Serial(primary_key=True)
    code = Varchar(length=20, unique=True)
    trip = ForeignKey(references=Trip, index=True)
    person = ForeignKey(references=Person, index=True)
    kind = Varchar(length=20)
    locale = Varchar(length=16, default="en")
    facts = JSON(default={})
    signed_by = ForeignKey(references=Person, null=True)
    issued_at = Timestamptz(default=TimestamptzNow())
    withdrawn_at = Timestamptz(null=True, default=None)
    withdrawn_by = ForeignKey(references=Person, null=True)
    withdrawn_reason = Text(default="")
    filename = Varchar(length=200)
    content = Bytea()


class TravelChecklist(Table):
    """One volunteer's preparations for one trip (``key`` is ``"<trip>:<person>"``, unique).

    The volunteer sets the visa, the flights (local times at the airport), the insurance and, when the host
    says one is needed, the medical licence; a host contact sets whether a licence is needed and the local
    contact; lodging is set by whoever arranges it (the host when it provides lodging).
    """

    id = Serial(primary_key=True)
    key = Varchar(length=40, unique=True)
    trip = ForeignKey(references=Trip, index=True)
    person = ForeignKey(references=Person, index=True)
    visa_needed = Varchar(length=10, default="unknown")
    visa_applied_on = Date(null=True, default=None)
    visa_granted_on = Date(null=True, default=None)
    arrival_at = Timestamp(null=True, default=None)
    arrival_details = Varchar(length=200, default="")
    departure_at = Timestamp(null=True, default=None)
    departure_details = Varchar(length=200, default="")
    lodging = Text(default="")
    insurance = Text(default="")
    licence_needed = Varchar(length=10, default="unknown")
    licence_granted_on = Date(null=True, default=None)
    local_contact = Text(default="")
    updated_by = ForeignKey(references=Person, null=True)
    updated_at = Timestamptz(default=TimestamptzNow())

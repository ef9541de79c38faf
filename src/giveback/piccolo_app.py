"""The one Piccolo app of the platform: every table, and the migrations in the top-level folder."""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from giveback.accounts.tables import (
    AccountToken,
    ApiToken,
    AuditEvent,
    LoginChallenge,
    LoginFailure,
    MailRequest,
    Person,
    RecoveryCode,
    RoleGrant,
    TwoFactor,
    WebSession,
)
from giveback.calendars.tables import CalendarImport, FeedToken
from giveback.hosts.tables import HostingWindow, HostRequest, OrganizationClaim, RequestNeed
from giveback.imports.tables import ExternalId, ImportedAccount, ImportJob
from giveback.jobs.tables import Job
from giveback.mail.tables import MailTemplate, NoticeOptOut, OutboxMessage
from giveback.organizations.tables import Organization
from giveback.rounds.tables import MatchRound, RoundAdjustment, SolverRun
from giveback.topics.tables import Topic, TopicName
from giveback.trips.report_tables import ReminderSent, TripEvent, TripReport
from giveback.trips.tables import CalendarReply, Trip, TripMember
from giveback.trips.travel_tables import TravelChecklist, TripDocument
from giveback.volunteers.tables import AvailabilityWindow, Expertise, VolunteerCv, VolunteerProfile
from giveback.webhooks.tables import WebhookDelivery, WebhookEndpoint


def _migrations_folder() -> Path:
    """``migrations/`` beside ``src/`` in a checkout; ``giveback/migrations`` inside an installed wheel."""
    checkout = Path(__file__).resolve().parents[2] / "migrations"
    return checkout if checkout.is_dir() else Path(__file__).parent / "migrations"


MIGRATIONS_FOLDER = _migrations_folder()

APP_CONFIG = AppConfig(
    app_name="giveback",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    # Listed parents before children: tests delete rows in the reverse order.
    table_classes=[
        Topic,
        TopicName,
        Organization,
        Person,
        RoleGrant,
        WebSession,
        AccountToken,
        ApiToken,
        LoginFailure,
        MailRequest,
        TwoFactor,
        RecoveryCode,
        LoginChallenge,
        AuditEvent,
        VolunteerProfile,
        Expertise,
        AvailabilityWindow,
        VolunteerCv,
        OrganizationClaim,
        HostRequest,
        RequestNeed,
        HostingWindow,
        MatchRound,
        RoundAdjustment,
        SolverRun,
        Trip,
        TripMember,
        CalendarReply,
        TripEvent,
        TripReport,
        ReminderSent,
        TripDocument,
        TravelChecklist,
        OutboxMessage,
        MailTemplate,
        NoticeOptOut,
        FeedToken,
        CalendarImport,
        ExternalId,
        ImportJob,
        ImportedAccount,
        Job,
        WebhookEndpoint,
        WebhookDelivery,
    ],
    migration_dependencies=[],
    commands=[],
)

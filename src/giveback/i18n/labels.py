"""The words shown for the platform's codes (statuses, kinds, regions …): the API keeps the English codes."""

from __future__ import annotations

from typing import Final

from giveback.i18n.text import Text, _p

LABELS: Final[dict[str, dict[str, Text]]] = {
    "region": {
        "africa": _p("region", "Africa"),
        "asia-pacific": _p("region", "Asia-Pacific"),
        "europe": _p("region", "Europe"),
        "latin-america": _p("region", "Latin America"),
        "middle-east": _p("region", "Middle East"),
        "north-america": _p("region", "North America"),
        "": _p("region", "Worldwide"),
    },
    "role": {
        "volunteer": _p("role", "volunteer"),
        "host": _p("role", "host"),
        "coordinator": _p("role", "coordinator"),
        "admin": _p("role", "admin"),
    },
    "claim": {
        "pending": _p("claim status", "pending"),
        "approved": _p("claim status", "approved"),
        "rejected": _p("claim status", "rejected"),
    },
    "request": {
        "draft": _p("request status", "draft"),
        "submitted": _p("request status", "submitted"),
        "accepted": _p("request status", "accepted"),
        "declined": _p("request status", "declined"),
        "matched": _p("request status", "matched"),
        "fulfilled": _p("request status", "fulfilled"),
    },
    "request_heading": {
        "draft": _p("requests with the status", "Drafts"),
        "submitted": _p("requests with the status", "Submitted"),
        "accepted": _p("requests with the status", "Accepted"),
        "declined": _p("requests with the status", "Declined"),
        "matched": _p("requests with the status", "Matched"),
        "fulfilled": _p("requests with the status", "Fulfilled"),
    },
    "organization": {
        "society": _p("organization kind", "Society"),
        "hospital": _p("organization kind", "Hospital"),
    },
    "format": {
        "lectures": _p("teaching format", "lectures"),
        "hands-on": _p("teaching format", "hands-on"),
        "case-reviews": _p("teaching format", "case reviews"),
        "simulation": _p("teaching format", "simulation"),
    },
    "provision": {
        "lodging": _p("host provides", "lodging"),
        "local-transport": _p("host provides", "local transport"),
        "invitation-letter": _p("host provides", "invitation letter"),
    },
    "career": {
        "trainee": _p("career stage", "Trainee"),
        "early-career": _p("career stage", "Early career"),
        "mid-career": _p("career stage", "Mid career"),
        "senior": _p("career stage", "Senior"),
        "emeritus": _p("career stage", "Emeritus"),
    },
    "proficiency": {
        "0": _p("proficiency", "none"),
        "1": _p("proficiency", "can discuss"),
        "2": _p("proficiency", "can teach"),
        "3": _p("proficiency", "expert, hands-on"),
    },
    "advisory": {
        "1": _p("travel advisory", "normal precautions"),
        "2": _p("travel advisory", "increased caution"),
        "3": _p("travel advisory", "reconsider travel"),
        "4": _p("travel advisory", "do not travel"),
    },
    "round": {
        "open": _p("round status", "open"),
        "frozen": _p("round status", "frozen"),
        "approved": _p("round status", "approved"),
        "closed": _p("round status", "closed"),
    },
    "run": {
        "queued": _p("run status", "queued"),
        "running": _p("run status", "running"),
        "succeeded": _p("run status", "succeeded"),
        "failed": _p("run status", "failed"),
        "cancelled": _p("run status", "cancelled"),
    },
    "trip": {
        "proposed": _p("trip status", "proposed"),
        "approved": _p("trip status", "approved"),
        "invited": _p("trip status", "invited"),
        "confirmed": _p("trip status", "confirmed"),
        "in_progress": _p("trip status", "in progress"),
        "completed": _p("trip status", "completed"),
        "reported": _p("trip status", "reported"),
        "declined": _p("trip status", "declined"),
        "postponed": _p("trip status", "postponed"),
        "cancelled": _p("trip status", "cancelled"),
    },
    "response": {
        "pending": _p("invite answer", "not answered yet"),
        "accepted": _p("invite answer", "accepted"),
        "declined": _p("invite answer", "declined"),
    },
    "checklist_item": {
        "visa": _p("travel checklist item", "visa"),
        "flights": _p("travel checklist item", "flights"),
        "lodging": _p("travel checklist item", "lodging"),
        "insurance": _p("travel checklist item", "insurance"),
        "licence": _p("travel checklist item", "medical licence"),
        "local_contact": _p("travel checklist item", "local contact"),
    },
    "case_role": {
        "performed": _p("hands-on case role", "performed"),
        "assisted": _p("hands-on case role", "assisted"),
        "supervised": _p("hands-on case role", "supervised"),
    },
    "cadre": {
        "physicians": _p("attendee cadre", "physicians"),
        "trainees": _p("attendee cadre", "trainees"),
        "nurses": _p("attendee cadre", "nurses"),
        "technologists": _p("attendee cadre", "technologists"),
    },
    "adjustment": {
        "pin": _p("round adjustment", "pin"),
        "exclude": _p("round adjustment", "exclusion"),
        "veto": _p("round adjustment", "veto"),
        "date": _p("round adjustment", "date change"),
    },
    "proposal": {
        "proposed": _p("proposal status", "proposed"),
        "pinned": _p("proposal status", "pinned"),
        "vetoed": _p("proposal status", "vetoed"),
    },
    "window_source": {
        "manual": _p("availability source", "typed in"),
        "imported": _p("availability source", "imported"),
    },
    "score": {
        "served": _p("score term", "request served"),
        "expertise": _p("score term", "expertise"),
        "primary_need": _p("score term", "primary need"),
        "first_language": _p("score term", "first language"),
        "preferred_region": _p("score term", "preferred region"),
        "host_priority": _p("score term", "host priority"),
        "host_preferred_dates": _p("score term", "host's preferred dates"),
        "volunteer_preferred_dates": _p("score term", "volunteer's preferred dates"),
    },
    "solver": {
        "optimal": _p("solver result", "proved best"),
        "feasible": _p("solver result", "good, not proved best"),
        "infeasible": _p("solver result", "no plan possible"),
        "unknown": _p("solver result", "no plan found in time"),
    },
    "missing_report": {
        "volunteer": _p("missing report", "volunteer report"),
        "host": _p("missing report", "host evaluation"),
    },
    "trip_action": {
        "invited": _p("trip step", "invites sent"),
        "confirmed": _p("trip step", "confirmed by the volunteers"),
        "member_declined": _p("trip step", "a volunteer declined"),
        "started": _p("trip step", "travel started"),
        "completed": _p("trip step", "completed"),
        "reported": _p("trip step", "reported"),
        "postpone": _p("trip step", "postponed"),
        "reschedule": _p("trip step", "dates changed"),
        "cancel": _p("trip step", "cancelled"),
        "decline": _p("trip step", "recorded as declined"),
        "complete": _p("trip step", "marked completed"),
        # the actions the lifecycle records (giveback.trips.lifecycle.TRANSITIONS)
        "opened": _p("trip step", "approved in a round"),
        "accepted": _p("trip step", "a volunteer accepted"),
        "member_added": _p("trip step", "a replacement joined"),
        "reinvited": _p("trip step", "invite sent again"),
        "postponed": _p("trip step", "postponed"),
        "rescheduled": _p("trip step", "dates changed"),
        "cancelled": _p("trip step", "cancelled"),
        "declined": _p("trip step", "recorded as declined"),
        "recorded": _p("trip step", "taken over from the program's history"),
    },
    "trip_reason": {  # the reasons the platform itself writes on a trip's steps
        "scheduled": _p("trip reason", "on its day"),
        "both reports are in": _p("trip reason", "both reports are in"),
        "every volunteer declined the invitation": _p("trip reason", "every volunteer declined the invitation"),
        "recorded from the program's history": _p("trip reason", "recorded from the program's history"),
    },
    "feed": {
        "personal": _p("feed kind", "personal"),
        "organization": _p("feed kind", "organization"),
        "program": _p("feed kind", "program"),
    },
    "weekday": {
        "0": _p("weekday", "Monday"),
        "1": _p("weekday", "Tuesday"),
        "2": _p("weekday", "Wednesday"),
        "3": _p("weekday", "Thursday"),
        "4": _p("weekday", "Friday"),
        "5": _p("weekday", "Saturday"),
        "6": _p("weekday", "Sunday"),
    },
    "weekdays": {  # every such day: "visits start on Mondays"
        "0": _p("every weekday", "Mondays"),
        "1": _p("every weekday", "Tuesdays"),
        "2": _p("every weekday", "Wednesdays"),
        "3": _p("every weekday", "Thursdays"),
        "4": _p("every weekday", "Fridays"),
        "5": _p("every weekday", "Saturdays"),
        "6": _p("every weekday", "Sundays"),
    },
    # what a calendar app answered (PARTSTAT) and what became of it (giveback.trips.replies.OUTCOMES)
    "calendar_partstat": {
        "ACCEPTED": _p("calendar answer", "yes"),
        "DECLINED": _p("calendar answer", "no"),
        "TENTATIVE": _p("calendar answer", "maybe"),
        "DELEGATED": _p("calendar answer", "passed on to someone else"),
        "NEEDS-ACTION": _p("calendar answer", "no answer yet"),
        "": _p("calendar answer", "none"),
    },
    "calendar_outcome": {
        "applied": _p("calendar answer outcome", "Recorded as their answer."),
        "unchanged": _p("calendar answer outcome", "The same as their answer already recorded."),
        "not_applied": _p("calendar answer outcome", "Not applied: the trip refused this answer."),
        "tentative": _p(
            "calendar answer outcome", "Not applied: a maybe is not an answer; ask them to accept or decline."
        ),
        "delegated": _p(
            "calendar answer outcome",
            "Not applied: a place cannot be passed on from a calendar; choose a replacement on the round page.",
        ),
        "counter": _p(
            "calendar answer outcome",
            "Not applied: they propose other dates; reschedule the trip if the dates suit everyone.",
        ),
        "no_answer": _p("calendar answer outcome", "Not applied: it holds no yes or no."),
        "stale": _p(
            "calendar answer outcome",
            "Not applied: it is older than an answer they gave since, or than new dates that asked them again.",
        ),
        "no_token": _p(
            "calendar answer outcome",
            "Refused: it was not sent to a reply address of an invite, so nobody can tell who sent it.",
        ),
        "forged": _p(
            "calendar answer outcome",
            "Refused: it came to a reply address that does not belong to the person it names.",
        ),
        "unknown_trip": _p(
            "calendar answer outcome", "Refused: it is about an event that is not a trip of the program."
        ),
        "not_on_trip": _p("calendar answer outcome", "Refused: the person it names is not a volunteer on this trip."),
        "unknown_version": _p(
            "calendar answer outcome", "Refused: it answers a version of the trip that was never sent."
        ),
        "unsupported": _p("calendar answer outcome", "Not applied: it is not an answer to an invite."),
        "unreadable": _p("calendar answer outcome", "Not applied: its calendar part cannot be read."),
    },
}


def label_map(kind: str) -> dict[str, str]:
    """Every code of a kind with its word in the current language (for a page's script)."""
    return {code: text.translated() for code, text in LABELS.get(kind, {}).items()}


def label(kind: str, code: object) -> str | Text:
    """The word for a code of this kind (``label("trip", "in_progress")``); an unknown code is shown as it is."""
    key = "" if code is None else str(code)
    return LABELS.get(kind, {}).get(key, key)

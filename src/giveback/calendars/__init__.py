"""Calendars: iTIP invites through an outbox, secret iCal feeds, invite answers, and imported availability."""

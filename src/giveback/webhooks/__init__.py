"""Outgoing webhooks: the program's events (trips approved, confirmed, declined, cancelled, completed; reports
filed) posted as signed JSON to the addresses coordinators register, retried through the job queue."""

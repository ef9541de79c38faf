"""Outgoing e-mail: an outbox written inside the caller's transaction, a sender that drains it with retries,
and the backends (files for development, SMTP) that deliver one message."""

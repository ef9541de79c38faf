"""Outgoing e-mail through one service with a development (files) and an SMTP backend."""

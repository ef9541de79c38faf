"""Operational tooling: backups and restores of the platform's database (``giveback backup``/``restore``)."""

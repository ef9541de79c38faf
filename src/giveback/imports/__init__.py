"""Bringing a program in from its spreadsheets, and writing it back out (``../shared/spec/import.md``)."""

"""Volunteers: profiles, expertise, availability windows, the public directory."""

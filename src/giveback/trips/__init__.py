"""Trips: approved visits, followed to completion."""

"""Personal data: every person can download what the platform holds about them, and delete their account."""

"""People, their roles, sign-up, log-in and server-side sessions."""

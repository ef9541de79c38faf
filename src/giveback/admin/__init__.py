"""Administration: people and their roles, disabled accounts, and the audit log."""

"""Database access: the engine, transactions and migrations."""

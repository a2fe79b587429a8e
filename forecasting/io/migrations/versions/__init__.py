"""Alembic revisions of the alert store, oldest first by their numbers (Alembic skips this file)."""

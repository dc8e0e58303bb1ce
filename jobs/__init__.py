"""Scheduled entry points; they read the database to decide what is due."""

"""Digest fixtures: `scripted` (a copy of the scripted quarter's database, see scripted.py)."""

from tests.digest.scripted import scripted, scripted_template

__all__ = ["scripted", "scripted_template"]

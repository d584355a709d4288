"""Supervision models (see the package docstring)."""

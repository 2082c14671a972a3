"""Fixtures: see module docstring once filled."""

"""Headless command line: every desk action has a CLI form."""

"""Orchestration: the registry run (extract → normalise → lake → warehouse)."""

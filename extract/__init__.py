"""Extraction: one document in, contract facts plus a parsing report out (see :mod:`.api`)."""

"""Normalisation: the classification catalogue, code repair, contract checks."""

"""Normalisation: the classification catalogue, code repair, contract checks.

The rule registry is imported first, so that its sibling rule modules register in one order wherever an
import starts (``identities`` imports them at its end).
"""

from juesuan.transform import identities as identities

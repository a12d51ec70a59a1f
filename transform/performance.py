"""Checks of the performance self-evaluation tables (预算项目（政策）绩效自评表): rules 29–31 (see below)."""

from __future__ import annotations

from juesuan.transform.identities import Rule

RULES: tuple[Rule, ...] = ()

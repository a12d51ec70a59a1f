"""Orchestration: the nightly ingestion of the registry (fetch → extract → lake → validate → warehouse).

``fetch`` (polite HTTP), ``ingest`` (one report, plain functions), ``ledger`` (the ``documents``
table's single writer), ``pipeline`` (the plain sequential run and the shared set-up and end),
``nightly`` (the Prefect flow, its tasks, hooks and summary artifacts). See docs/nightly.md.
"""

"""Bundled sample reports: realistic 决算 reports rendered from known facts, so every strategy can be
checked against an exact ground truth and the main job runs on a fresh machine.

* :mod:`.truth` — the ground-truth facts of the five corpus units (``facts/<unit>.csv``): table facts
  for the units that published tables as text, narrative facts for those that published them as
  images (大竹, 乌海) and for the few figures only the prose states (年初预算), and last year's figures
  each report restates (``restated``); refreshed from the corpus text exports with
  ``juesuan samples --refresh-from``.
* :mod:`.layout` — facts to a report model: cover, contents, narrative pages in our own wording and
  the standard tables as grids with merged header cells; knows which grid row holds which fact. A
  narrative-only unit gets no table and a 情况说明 that states every one of its figures. Last year's
  figures are stated as changes right after this year's, 年初预算 amounts beside the actual of their row.
* :mod:`.render_pdf`, :mod:`.render_docx`, :mod:`.scan`, :mod:`.render_html` — the variants
  (ruled, unruled, DOCX, scanned, LibreOffice- and Chromium-laid-out PDFs); each returns the bytes
  and the expected facts with the page each is printed on.
* :mod:`.budget` and :mod:`.budget_layout` — the synthetic budget (预算) samples: budget facts derived
  from a unit's 决算 facts by fixed rules (every budget identity exact; ``facts/<unit>.budget.csv``)
  and the budget report drawn from them (cover, 预算情况说明, the budget tables), for the registry's
  ``kind = "预算"`` entries.
* :mod:`.generate` — writes every variant and its ``*.truth.csv`` byte-deterministically.
* :mod:`.score` — cell-level precision and recall of extracted facts against a ``*.truth.csv``
  (narrative-only samples scored by their narrative facts; 年初预算 amounts and last year's figures
  on lines of their own).
"""

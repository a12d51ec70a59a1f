"""The analysts' web app (``juesuan ui``): units, unit-years, comparisons, findings and the provenance of
every figure, read-only over the warehouse. See :mod:`juesuan.ui.app` and ``docs/analysts.md``."""

"""Human-facing outputs of a run: charts and the static HTML run report."""

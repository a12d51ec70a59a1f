"""Great Expectations suites for the accounting identities (勾稽关系, contract section 5).

``custom`` holds the expectation classes, ``suites`` the three suite definitions (one per family)
and the generator of the checked-in file context beside this module, ``context`` opens that
context with its run state placed by the settings, ``runner`` runs the checkpoint over the lake
(:func:`juesuan.expectations.runner.validate_lake`, the pipeline hook) and ``findings`` stores the
``identity_findings`` dataset. See docs/validation.md.
"""

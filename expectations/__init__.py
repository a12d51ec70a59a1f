"""Great Expectations suites for the accounting identities (勾稽关系)."""

"""Imported once by the fork server of the extraction workers (:mod:`.isolated`), never by anyone else:
every worker is forked with the readers imported and the classification catalogue loaded."""

from juesuan.extract import isolated  # noqa: F401  (the readers, through extract_raw_document)
from juesuan.transform.catalogue import Catalogue

Catalogue.load()

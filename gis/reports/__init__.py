"""Importing the next People's Committee report (issue #11): its appendix tables
(:mod:`.tables`), identity (:mod:`.identity`), figures by the registry's metric phrases
(:mod:`.figures`), rows matched to features (:mod:`.matching`), the review
(:mod:`.review`) and its one-transaction apply (:mod:`.apply`)."""

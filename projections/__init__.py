"""Read models built from the event log: the catch-up engine (``engine``), the
background runner (``runner``), the caseload and team views (``caseload``), the family
search index (``family_index``) and project figures (``figures``)."""

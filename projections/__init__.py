"""Read models built from the event log, in three parts:

- ``projections.engine``: the catch-up engine that knows no concrete view (the view
  base, positions and generations, the catch-up loop, rebuilds, the background runner,
  the per-family document store);
- ``projections.views``: the views the service reads (caseload and team, family summary,
  caseload history, social-space statistics, the family search index and project
  figures) and ``views.registry``, which lists them and hands them to an engine;
- ``projections.reporting``: the funder's reporting (ESF+ participants, programme facts,
  the bitemporal rows both keep, the ESF+ report and its renderers).

The engine never imports a view: it is given its views.
"""

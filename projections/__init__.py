"""Read models built from the event log (caseload views, ESF+ indicator tables).

Empty for now: the catch-up engine and the views arrive with the projection issue.
"""

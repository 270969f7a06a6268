"""The family case: aggregates, events, value types and domain errors.

Pure Python plus the eventsourcing domain base. No I/O, no HTTP, no SQL.
"""

"""The funder's reporting: ESF+ participants, programme facts, the bitemporal rows both
keep, the ESF+ report and its renderers (JSON, CSV, XLSX)."""

"""The demo data: a fictional population (``population``), one family's story planned
and recorded step by step (``story``), ``lotse demo`` through the application
(``loading``) and ``lotse demo-data`` in bulk for benchmarks (``bulk``)."""

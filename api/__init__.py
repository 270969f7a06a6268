"""The HTTP API only: the FastAPI app (``app``), one router per resource (``routes/``),
who may do what (``policy``), errors as problem details (``problems``), request and
response bodies (``schemas``, ``responses``, ``family_responses``) and the command
pipeline (``commands``). The command line is in ``cli/``, the demo data in ``demo/``."""

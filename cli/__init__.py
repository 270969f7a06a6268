"""The ``lotse`` command line: one module per command group (``main`` wires them up).

Each module imports only typer and the standard library at the top; the store, the
application, the server and the report writers are imported inside the command that
uses them, so ``lotse --help`` and the light commands start fast."""

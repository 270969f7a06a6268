"""The views the service reads, and the registry that lists every view (``registry``)."""

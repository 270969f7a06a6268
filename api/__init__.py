"""The outside of Lotse: the command-line entry point (and, next, the HTTP API)."""

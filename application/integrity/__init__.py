"""Tamper evidence: a hash chain per aggregate written with its events, a Merkle tree over
the whole log in notification order with signed checkpoints, and the check of both
(``verify.py``). Hashes cover the stored (sealed) bytes only, never plaintext, so an
erased family verifies like any other."""

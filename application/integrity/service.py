"""Tamper evidence as the CLI and the API use it: verify, make a checkpoint, export it."""

from __future__ import annotations

from typing import TYPE_CHECKING
from uuid import UUID

from application.integrity.checkpoints import Checkpoints, StoredCheckpoint
from application.integrity.findings import Report
from application.integrity.split import Helper
from application.integrity.verify import Verifier
from application.settings import ConfigurationError

if TYPE_CHECKING:
    from application.cases import FamilyCases


class Integrity:
    def __init__(self, cases: FamilyCases) -> None:
        self.cases = cases
        self.checkpoints = Checkpoints(cases)

    def public_key(self) -> bytes | None:
        """The public half of the configured signing key (None: none configured)."""
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        from application.integrity.notes import public_bytes

        try:
            seed = self.cases.settings.resolve_signing_key()
        except ConfigurationError:
            return None
        return public_bytes(Ed25519PrivateKey.from_private_bytes(seed).public_key())

    def verifier_key(self) -> str | None:
        """The key a witness checks checkpoints with (C2SP signed-note verifier key)."""
        from application.integrity.notes import verifier_key

        public = self.public_key()
        return None if public is None else verifier_key(self.cases.settings.log_origin, public)

    def verify(self, family: UUID | None = None, against: str | None = None,
               helper: Helper | None = None) -> Report:
        """Check the whole log (or one family's chain); ``against``: the text of a
        witness's checkpoint the log must extend; ``helper``: a process to check a large
        log's second share (``split.py``). Raises ``NoteError`` for a text that is not a
        checkpoint."""
        from application.integrity.notes import parse

        verifier = Verifier(self.cases, self.public_key())
        if family is not None:
            report = verifier.family(family.hex)
        else:
            report = verifier.whole_log(None if against is None else parse(against), helper)
        report.signing_key = self.verifier_key()
        return report

    def checkpoint(self) -> StoredCheckpoint | None:
        """A signed checkpoint of the log as it stands (None while it is empty)."""
        return self.checkpoints.write()

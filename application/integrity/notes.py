"""Checkpoints as C2SP signed notes (github.com/C2SP/C2SP: tlog-checkpoint, signed-note).

A checkpoint's text is the log's origin, the tree size in decimal, the root hash in
base64 and Lotse's one extension line, the time it was made; each line ends with a
newline. Its signature follows after a blank line:

    lotse
    1234
    Mv6u0X1zvFoM1Gp7tqXOEm3VXn6zmkTMtXVq3r7nfXk=
    time 2026-12-06T10:15:00Z

    — lotse AbCdEf...

the base64 of the key's 4-byte hash (SHA-256 of name, newline, 0x01, public key) and
the Ed25519 signature of the text. Any C2SP verifier with the verifier key
(``verifier_key``: ``lotse+<hash>+<base64 of 0x01 and the public key>``) checks it.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from hashlib import sha256

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

DASH = "\u2014"
ED25519 = b"\x01"


class NoteError(ValueError):
    """Not a checkpoint Lotse can read."""


@dataclass(frozen=True)
class Checkpoint:
    origin: str
    size: int
    root: bytes
    time: datetime

    def body(self) -> str:
        stamp = self.time.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        return (f"{self.origin}\n{self.size}\n{base64.b64encode(self.root).decode()}\n"
                f"time {stamp}\n")


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def key_hash(name: str, public: bytes) -> bytes:
    return sha256(name.encode() + b"\n" + ED25519 + public).digest()[:4]


def verifier_key(name: str, public: bytes) -> str:
    return f"{name}+{key_hash(name, public).hex()}+{base64.b64encode(ED25519 + public).decode()}"


def sign(checkpoint: Checkpoint, seed: bytes) -> str:
    """The signed note of ``checkpoint``, signed by the key named like its origin."""
    key = Ed25519PrivateKey.from_private_bytes(seed)
    body = checkpoint.body()
    signature = key.sign(body.encode())
    tag = key_hash(checkpoint.origin, public_bytes(key.public_key())) + signature
    return f"{body}\n{DASH} {checkpoint.origin} {base64.b64encode(tag).decode()}\n"


@dataclass(frozen=True)
class Note:
    checkpoint: Checkpoint
    body: str
    signatures: tuple[tuple[str, bytes], ...]
    """(key name, 4-byte key hash + signature) of every signature line."""

    def signed_by(self, public: bytes) -> bool:
        """Does a signature line of the checkpoint's origin verify with ``public``?"""
        wanted = key_hash(self.checkpoint.origin, public)
        key = Ed25519PublicKey.from_public_bytes(public)
        for name, tag in self.signatures:
            if name == self.checkpoint.origin and tag[:4] == wanted:
                try:
                    key.verify(tag[4:], self.body.encode())
                    return True
                except InvalidSignature:
                    return False
        return False


def parse(text: str) -> Note:
    body, sep, rest = text.partition("\n\n")
    if not sep or not rest.endswith("\n"):
        raise NoteError("a signed note has its text, a blank line and signature lines")
    lines = body.split("\n")
    if len(lines) < 3:
        raise NoteError("a checkpoint has an origin, a tree size and a root hash")
    origin, size_text, root_text = lines[:3]
    try:
        size = int(size_text)
        root = base64.b64decode(root_text, validate=True)
    except ValueError:
        raise NoteError("the tree size or the root hash cannot be read") from None
    if size < 0 or len(root) != 32 or not size_text.isdigit():
        raise NoteError("the tree size or the root hash cannot be read")
    time = datetime.fromtimestamp(0, UTC)
    for line in lines[3:]:
        if line.startswith("time "):
            try:
                time = datetime.strptime(line[5:], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            except ValueError:
                raise NoteError("the checkpoint's time cannot be read") from None
    signatures = []
    for line in rest[:-1].split("\n"):
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != DASH:
            raise NoteError("a signature line reads '\u2014 <key name> <base64>'")
        try:
            tag = base64.b64decode(parts[2], validate=True)
        except ValueError:
            raise NoteError("a signature cannot be read") from None
        if len(tag) < 5:
            raise NoteError("a signature is too short")
        signatures.append((parts[1], tag))
    return Note(Checkpoint(origin, size, root, time), body + "\n", tuple(signatures))

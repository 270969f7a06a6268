"""The tamper evidence's hashing on its own: RFC 9162 Merkle trees and consistency
proofs (against the RFC's recursive definition and the reference test vector of
Certificate Transparency), the chain's links and C2SP signed-note checkpoints."""

from __future__ import annotations

from datetime import UTC, datetime
from hashlib import sha256

import pytest
from hypothesis import given
from hypothesis import strategies as st

from application.integrity import chain, merkle, notes
from application.settings import decode_key, new_key_text

# Certificate Transparency's reference vector (merkle_tree_test.cc): eight leaves and
# the roots of the first 1..8 of them.
CT_LEAVES = [bytes.fromhex(x) for x in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
CT_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"]


def mth(entries: list[bytes]) -> bytes:
    """RFC 9162 2.1.1, as written."""
    n = len(entries)
    if n == 0:
        return sha256(b"").digest()
    if n == 1:
        return merkle.leaf_hash(entries[0])
    k = 1 << ((n - 1).bit_length() - 1)
    return merkle.node_hash(mth(entries[:k]), mth(entries[k:]))


def test_the_roots_are_certificate_transparencys() -> None:
    leaves = [merkle.leaf_hash(e) for e in CT_LEAVES]
    assert [merkle.root_of(leaves[:n]).hex() for n in range(1, 9)] == CT_ROOTS
    assert merkle.root_of([]) == sha256(b"").digest()


@given(st.integers(1, 80), st.data())
def test_a_growing_tree_its_stored_frontier_and_its_proofs_agree_with_the_rfc(
        n: int, data: st.DataObject) -> None:
    entries = [i.to_bytes(4, "big") for i in range(n)]
    leaves = [merkle.leaf_hash(e) for e in entries]
    frontier = merkle.Frontier()
    for leaf in leaves:
        frontier.push(leaf)
    assert frontier.root() == mth(entries)
    assert merkle.Frontier.load(n, frontier.dump()).root() == frontier.root()
    m = data.draw(st.integers(1, n))
    proof = merkle.consistency_proof(m, n, lambda lo, hi: merkle.range_root(leaves, lo, hi))
    assert merkle.verify_consistency(m, n, proof, mth(entries[:m]), mth(entries))
    if m < n:  # a changed first tree, or a changed proof, fails
        changed = [b"x", *entries[1:m]]
        assert not merkle.verify_consistency(m, n, proof, mth(changed), mth(entries))
        assert not merkle.verify_consistency(m, n, [bytes(32), *proof[1:]], mth(entries[:m]),
                                             mth(entries))


def test_a_link_is_the_leaf_hash_of_the_events_entry_with_the_previous_link() -> None:
    h = chain.link(chain.GENESIS, "ab" * 16, 7, "domain.events:ConsultationRecorded", b"\x01\x02")
    entry = chain.GENESIS + b"ab" * 16 + b"\x007\x00domain.events:ConsultationRecorded\x00\x01\x02"
    assert h == merkle.leaf_hash(entry)
    assert h != chain.link(chain.GENESIS, "ab" * 16, 7, "domain.events:ConsultationRecorded",
                           b"\x01\x03")


def test_a_signed_checkpoint_reads_back_and_verifies_only_with_its_key() -> None:
    seed = decode_key(new_key_text())
    cp = notes.Checkpoint("lotse", 1047, sha256(b"root").digest(),
                          datetime(2026, 12, 6, 10, 0, tzinfo=UTC))
    text = notes.sign(cp, seed)
    assert text.startswith("lotse\n1047\n")
    assert "\ntime 2026-12-06T10:00:00Z\n\n\u2014 lotse " in text
    note = notes.parse(text)
    assert note.checkpoint == cp
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    public = notes.public_bytes(Ed25519PrivateKey.from_private_bytes(seed).public_key())
    other = notes.public_bytes(Ed25519PrivateKey.generate().public_key())
    assert note.signed_by(public)
    assert not note.signed_by(other)
    forged = notes.parse(text.replace("\n1047\n", "\n1046\n"))
    assert not forged.signed_by(public)
    assert notes.verifier_key("lotse", public).startswith("lotse+")


@pytest.mark.parametrize("text", ["", "lotse\n12\n", "lotse\nx\nAAAA\n\n\u2014 lotse AAAAAA==\n",
                                  "lotse\n1\n" + "A" * 44 + "\n\nno signature\n"])
def test_what_is_not_a_checkpoint_is_refused_with_a_reason(text: str) -> None:
    with pytest.raises(notes.NoteError):
        notes.parse(text)

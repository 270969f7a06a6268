"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing, section 2.1.

A leaf's hash is SHA-256(0x00 || entry), an interior node's SHA-256(0x01 || left ||
right); a tree of n leaves splits at the largest power of two below n. Each event's
chain hash (``chain.py``) *is* the leaf hash of its entry, so the tree is built from the
chain hashes as they are stored.

``Frontier`` keeps the roots of the perfect subtrees along a growing tree's right edge
(at most log2(n) hashes): appending a leaf costs one node hash on average, and the root
of the tree so far is the fold of the frontier from the right. The consistency proof
and its verification follow sections 2.1.4.1 and 2.1.4.2 word for word.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from hashlib import sha256

HASH_SIZE = 32
EMPTY_ROOT = sha256(b"").digest()
"""The root of the empty tree (RFC 9162 2.1.1)."""


def leaf_hash(entry: bytes) -> bytes:
    return sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


class Frontier:
    """The right edge of a growing tree: ``sizes[i]`` leaves under ``hashes[i]``,
    largest first."""

    __slots__ = ("hashes", "size", "sizes")

    def __init__(self) -> None:
        self.hashes: list[bytes] = []
        self.sizes: list[int] = []
        self.size = 0

    def push(self, leaf: bytes) -> None:
        hashes, sizes = self.hashes, self.sizes
        hashes.append(leaf)
        sizes.append(1)
        while len(sizes) > 1 and sizes[-1] == sizes[-2]:
            right = hashes.pop()
            sizes.pop()
            sizes[-1] *= 2
            hashes[-1] = sha256(b"\x01" + hashes[-1] + right).digest()
        self.size += 1

    def extend(self, leaves: Sequence[bytes]) -> None:
        """Append ``leaves``: each aligned block of 2**k of them is hashed level by level
        (a list comprehension per level), then joins the frontier as one subtree."""
        i, count = 0, len(leaves)
        while i < count:
            block = 1 << ((count - i).bit_length() - 1)
            while self.size % block:
                block >>= 1
            level = list(leaves[i:i + block])
            while len(level) > 1:
                level = [sha256(b"\x01" + level[j] + level[j + 1]).digest()
                         for j in range(0, len(level), 2)]
            self._push_subtree(level[0], block)
            i += block

    def _push_subtree(self, root: bytes, size: int) -> None:
        hashes, sizes = self.hashes, self.sizes
        hashes.append(root)
        sizes.append(size)
        while len(sizes) > 1 and sizes[-1] == sizes[-2]:
            right = hashes.pop()
            sizes.pop()
            sizes[-1] *= 2
            hashes[-1] = sha256(b"\x01" + hashes[-1] + right).digest()
        self.size += size

    def root(self) -> bytes:
        if not self.hashes:
            return EMPTY_ROOT
        root = self.hashes[-1]
        for h in reversed(self.hashes[:-1]):
            root = node_hash(h, root)
        return root

    def dump(self) -> bytes:
        """The frontier as stored beside a checkpoint (the sizes follow from the size)."""
        return b"".join(self.hashes)

    @classmethod
    def load(cls, size: int, data: bytes) -> Frontier:
        """The frontier of a tree of ``size`` leaves from ``dump()``: one perfect subtree
        per set bit of ``size``, largest first."""
        f = cls()
        f.size = size
        f.sizes = [1 << b for b in range(size.bit_length() - 1, -1, -1) if size >> b & 1]
        if len(data) != HASH_SIZE * len(f.sizes):
            raise ValueError("stored frontier does not fit the tree size")
        f.hashes = [data[i:i + HASH_SIZE] for i in range(0, len(data), HASH_SIZE)]
        return f


def root_of(leaves: Sequence[bytes]) -> bytes:
    f = Frontier()
    for leaf in leaves:
        f.push(leaf)
    return f.root()


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


Subtree = Callable[[int, int], bytes]
"""MTH(D[lo:hi]) of the log's leaves."""


def consistency_proof(m: int, n: int, subtree: Subtree) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 2.1.4.1 for 0 < m <= n."""
    if not 0 < m <= n:
        raise ValueError("a consistency proof needs 0 < m <= n")
    return _subproof(m, 0, n, True, subtree)


def _subproof(m: int, lo: int, hi: int, whole: bool, subtree: Subtree) -> list[bytes]:
    n = hi - lo
    if m == n:
        return [] if whole else [subtree(lo, hi)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, lo, lo + k, whole, subtree), subtree(lo + k, hi)]
    return [*_subproof(m - k, lo + k, hi, False, subtree), subtree(lo, lo + k)]


def verify_consistency(m: int, n: int, proof: Sequence[bytes], first: bytes,
                       second: bytes) -> bool:
    """RFC 9162 2.1.4.2: does the tree of ``n`` leaves with root ``second`` extend the
    tree of ``m`` leaves with root ``first``?"""
    if m == n:
        return not proof and first == second
    if not 0 < m < n or not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:  # m is an exact power of two: first is a node of the proof
        path.insert(0, first)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first and sr == second


def range_root(leaves: Sequence[bytes], lo: int, hi: int) -> bytes:
    """MTH(D[lo:hi]) from the leaf hashes in memory."""
    f = Frontier()
    for i in range(lo, hi):
        f.push(leaves[i])
    return f.root()

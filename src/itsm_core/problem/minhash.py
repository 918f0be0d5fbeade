"""MinHash signatures and locality-sensitive hashing (LSH) with stable hashing.

Each shingle is hashed with BLAKE2b (never Python's salted ``hash()``), then mapped through
``num_perm`` universal hash functions ``(a*x + b) mod (2**61 - 1)`` whose coefficients come
from ``random.Random(seed)``; a signature is the element-wise minimum over a text's shingles.
The chance that two signatures agree in one position equals the Jaccard similarity of the
shingle sets.  LSH cuts a signature into ``bands`` of ``rows`` values; texts sharing any whole
band become candidate pairs, to be verified exactly.  Same input, same seed: same signatures,
on every run and machine.

>>> mh = MinHasher(num_perm=8, seed=1)
>>> mh.signature(frozenset({"disk", "full"})) == mh.signature(frozenset({"full", "disk"}))
True
>>> lsh_shape(Fraction(1, 2), 128)
(25, 5)
"""

from __future__ import annotations

import hashlib
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from fractions import Fraction

import attrs

from itsm_core._args import items_of
from itsm_core.errors import ArgumentTypeError, ConfigError, InvalidArgumentError, shown

__all__ = ["MAX_NUM_PERM", "MinHasher", "candidate_probability", "lsh_buckets", "lsh_shape", "stable_hash"]

_PRIME = (1 << 61) - 1


def stable_hash(text: str) -> int:
    """A 64-bit hash of *text* that is the same in every process (BLAKE2b, 8 bytes).

    >>> stable_hash("disk")
    18030938669850001213
    """
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8,
                                          person=b"itsm-minhash").digest(), "little")


#: The longest MinHash signature: beyond about 256 values the similarity estimates stop
#: improving in practice, and each value costs one hash per shingle.
MAX_NUM_PERM = 1024


def _num_perm(value: object, name: str = "num_perm") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_NUM_PERM:
        raise ConfigError(name, f"{shown(value)} is not an integer in 1..{MAX_NUM_PERM}",
                          "an integer such as 128 (at most MAX_NUM_PERM)")
    return value


def _fraction(value: object, name: str) -> Fraction:
    if not isinstance(value, Fraction) or not 0 <= value <= 1:
        raise ArgumentTypeError(f"{name}: expected a Fraction in [0, 1], got {shown(value)}")
    return value


def _seed(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ConfigError("seed", f"expected an integer, got {shown(value)}", "an integer")
    return value


@attrs.frozen
class MinHasher:
    """Computes MinHash signatures of shingle sets; caches each shingle's hash vector.

    Attributes:
        num_perm: signature length (more = better estimates, slower).
        seed: chooses the hash functions; fixed default so results are reproducible.

    >>> mh = MinHasher(num_perm=64)
    >>> a = mh.signature(frozenset("the quick brown fox".split()))
    >>> len(a), a == MinHasher(num_perm=64).signature(frozenset("fox brown quick the".split()))
    (64, True)
    """

    num_perm: int = attrs.field(default=64, converter=_num_perm)
    seed: int = attrs.field(default=20250301, converter=_seed)
    _coefficients: tuple[tuple[int, int], ...] = attrs.field(init=False, repr=False, eq=False)
    _cache: dict[str, tuple[int, ...]] = attrs.field(init=False, repr=False, eq=False,
                                                     factory=dict)

    @_coefficients.default
    def _make(self) -> tuple[tuple[int, int], ...]:
        rng = random.Random(self.seed)
        return tuple((rng.randrange(1, _PRIME), rng.randrange(0, _PRIME))
                     for _ in range(self.num_perm))

    def _vector(self, shingle: str) -> tuple[int, ...]:
        vec = self._cache.get(shingle)
        if vec is None:
            x = stable_hash(shingle)
            vec = tuple([(a * x + b) % _PRIME for a, b in self._coefficients])
            self._cache[shingle] = vec
        return vec

    def signature(self, shingle_set: Iterable[str]) -> tuple[int, ...]:
        """The MinHash signature of a shingle set (all ``2**61 - 1`` for the empty set).

        >>> MinHasher(num_perm=2).signature(frozenset())
        (2305843009213693951, 2305843009213693951)

        Raises:
            ArgumentTypeError: *shingle_set* is not an iterable of strings.
        """
        shingles = items_of(shingle_set, "shingle_set", "shingle strings")
        for shingle in shingles:
            if not isinstance(shingle, str):
                raise ArgumentTypeError("shingle_set: expected an iterable of shingle strings, "
                                        f"got an item {shown(shingle)}")
        vectors = [self._vector(s) for s in shingles]
        if not vectors:
            return (_PRIME,) * self.num_perm
        if len(vectors) == 1:
            return vectors[0]
        return tuple(map(min, zip(*vectors, strict=True)))


def candidate_probability(similarity: Fraction, bands: int, rows: int) -> Fraction:
    """Chance that two sets of Jaccard *similarity* share at least one band: 1-(1-s^r)^b.

    >>> candidate_probability(Fraction(1, 2), 16, 4) > Fraction(63, 100)
    True
    """
    s = _fraction(similarity, "similarity")
    return 1 - (1 - s ** _num_perm(rows, "rows")) ** _num_perm(bands, "bands")


def lsh_shape(threshold: Fraction, num_perm: int,
              target: Fraction = Fraction(1, 2)) -> tuple[int, int]:
    """Choose ``(bands, rows)`` for *threshold*: the most rows per band (fewest false
    candidates) that still make a pair exactly at the threshold a candidate with chance at
    least *target*.  Pairs above the threshold are found with rapidly growing chance.

    >>> lsh_shape(Fraction(1, 2), 64)
    (16, 4)
    >>> lsh_shape(Fraction(4, 5), 128, target=Fraction(99, 100))
    (21, 6)
    """
    num_perm = _num_perm(num_perm)
    threshold, target = _fraction(threshold, "threshold"), _fraction(target, "target")
    best = (num_perm, 1)
    for rows in range(1, num_perm + 1):
        bands = num_perm // rows
        if candidate_probability(threshold, bands, rows) >= target:
            best = (bands, rows)
    return best


def lsh_buckets(signatures: Sequence[Sequence[int]], bands: int,
                rows: int) -> list[list[int]]:
    """Group signature indexes that agree on a whole band; only groups of two or more.

    Buckets come out band by band, each in first-seen order, members ascending.

    >>> lsh_buckets([(1, 2), (1, 3), (9, 2)], bands=2, rows=1)
    [[0, 1], [0, 2]]

    Raises:
        ConfigError: *bands* or *rows* is not an integer in 1..MAX_NUM_PERM, or their
            product exceeds it.
        ArgumentTypeError: *signatures* is not a sequence of sequences of integers.
        InvalidArgumentError: a signature has fewer than ``bands * rows`` values.
    """
    if _num_perm(bands, "bands") * _num_perm(rows, "rows") > MAX_NUM_PERM:
        raise ConfigError("bands", f"{bands} bands of {rows} rows exceed {MAX_NUM_PERM} values",
                          "bands x rows <= MAX_NUM_PERM")
    if isinstance(signatures, (str, bytes)) or not isinstance(signatures, Sequence):
        raise ArgumentTypeError(f"signatures: expected a sequence of signatures, got "
                                f"{type(signatures).__name__}")
    need = bands * rows
    for index, sig in enumerate(signatures):
        if not isinstance(sig, Sequence) or isinstance(sig, (str, bytes)):
            raise ArgumentTypeError(f"signatures[{index}]: expected a sequence of ints, got "
                                    f"{type(sig).__name__}")
        if len(sig) < need:
            raise InvalidArgumentError(f"signatures[{index}]: {len(sig)} values, fewer than "
                                       f"bands x rows = {need}")
        for value in sig[:need]:
            if not isinstance(value, int):
                raise ArgumentTypeError(f"signatures[{index}]: expected a sequence of ints, "
                                        f"got an item {shown(value)}")
    out: list[list[int]] = []
    for band in range(bands):
        lo, hi = band * rows, (band + 1) * rows
        keys = [tuple(sig[lo:hi]) for sig in signatures]
        counts = Counter(keys)
        if len(counts) == len(keys):
            continue
        shared = {key for key, count in counts.items() if count > 1}
        table: dict[tuple[int, ...], list[int]] = {}
        for index in [i for i, key in enumerate(keys) if key in shared]:
            table.setdefault(keys[index], []).append(index)
        out.extend(table.values())
    return out

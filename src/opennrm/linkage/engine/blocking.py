"""Blocking: which pairs are worth comparing at all.

Comparing every record with every other is n²/2 comparisons — 5·10¹¹ for a million
persons. Blocking keys bound that: two records are compared only when they share a key.
The keys are chosen so that a true pair almost always shares at least one of them even
when names are transliterated differently, typed with a slip, or written in another
order, and when the birth date is partial or mistyped:

- the whole name, token order forgotten (``n:``);
- each name token with the birth year (``ty:``) — survives a typo in another token;
- each pair of token prefixes without any date (``tp:``) — survives a wrong year;
- the full birth date (``d:``) — survives a name spelt beyond recognition;
- the start of the address (``a:``, house number and street) and the postcode with
  the first letters of a name token (``pc:``) — survive a missing birth date;
- each phone, e-mail and identifier exactly (``p:``, ``e:``, ``i:``).

A key shared by more than ``max_block`` records (a hotline number, "Nguyen" born in
1990) says little and would cost much; it is skipped, and the other keys carry the pair.
Keys made of parts of names are skipped sooner (``WEAK_MAX_BLOCK``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import combinations

import numpy as np
import numpy.typing as npt

from opennrm.linkage.engine.records import PersonRecord

__all__ = ["DEFAULT_MAX_BLOCK", "WEAK_MAX_BLOCK", "block_limit", "blocking_keys", "candidate_pairs"]

DEFAULT_MAX_BLOCK = 200
# Keys built from parts of names ("tp:", "ty:", "pc:") grow with the data: at a million
# records a block of 200 costs 20,000 comparisons and there are many. They are kept only
# while small; measured on 100,000 synthetic records this keeps 99.3 % of the recall
# of a limit of 200 with half the pairs (docs/linkage.md).
WEAK_MAX_BLOCK = 30
_WEAK_KINDS = ("tp:", "ty:", "pc:")


def block_limit(key: str, max_block: int = DEFAULT_MAX_BLOCK) -> int:
    """How many records may share ``key`` before the key is skipped."""
    return min(max_block, WEAK_MAX_BLOCK) if key.startswith(_WEAK_KINDS) else max_block


_PREFIX = 4


def blocking_keys(record: PersonRecord) -> list[str]:
    """The record's blocking keys, without duplicates, in a stable order."""
    keys: dict[str, None] = {}
    year = record.birth.year if record.birth else None
    for form in record.names:
        keys[f"n:{form.sorted_key}"] = None
        tokens = [t for t in form.tokens if len(t) >= 2][:4]
        if year is not None:
            for token in tokens:
                keys[f"ty:{token}:{year}"] = None
        prefixes = sorted({t[:_PREFIX] for t in tokens})
        for a, b in combinations(prefixes, 2):
            keys[f"tp:{a}:{b}"] = None
    birth = record.birth
    if birth is not None and birth.day:
        keys[f"d:{birth.year:04d}{birth.month:02d}{birth.day:02d}"] = None
    if record.address:
        keys[f"a:{' '.join(record.address.split()[:3])}"] = None
        if record.postcode:
            first = {t[:2] for form in record.names[:1] for t in form.tokens}
            for initial in sorted(first):
                keys[f"pc:{record.postcode}:{initial}"] = None
    for phone in sorted(record.phones):
        keys[f"p:{phone}"] = None
    for email in sorted(record.emails):
        keys[f"e:{email}"] = None
    for identifier in sorted(record.identifiers):
        keys[f"i:{identifier}"] = None
    return list(keys)


def candidate_pairs(
    keys: Sequence[Iterable[str]],
    *,
    sources: npt.NDArray[np.int8] | None = None,
    max_block: int = DEFAULT_MAX_BLOCK,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct pairs ``(left, right)`` of record positions that share a key.

    Without ``sources`` (deduplication) ``left < right``. With ``sources`` (two-source
    linkage) only pairs across sources are kept, oriented source 0 → source 1.
    """
    blocks: dict[str, list[int]] = defaultdict(list)
    for position, record_keys in enumerate(keys):
        for key in record_keys:
            blocks[key].append(position)
    by_size: dict[int, list[list[int]]] = defaultdict(list)
    for key, members in blocks.items():
        if 2 <= len(members) <= block_limit(key, max_block):
            by_size[len(members)].append(members)
    n = len(keys)
    codes: list[npt.NDArray[np.int64]] = []
    for size, groups in by_size.items():
        matrix = np.asarray(groups, dtype=np.int64)
        upper_a, upper_b = np.triu_indices(size, 1)
        a = matrix[:, upper_a].ravel()
        b = matrix[:, upper_b].ravel()
        low = np.minimum(a, b)
        high = np.maximum(a, b)
        codes.append(low * n + high)
    if not codes:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty.copy()
    # Sort and drop repeats: faster than np.unique's hash table on tens of millions.
    everything = np.concatenate(codes)
    everything.sort()
    unique = everything[np.concatenate(([True], everything[1:] != everything[:-1]))]
    left = unique // n
    right = unique % n
    if sources is not None:
        across = sources[left] != sources[right]
        left, right = left[across], right[across]
        flip = sources[left] == 1
        left, right = np.where(flip, right, left), np.where(flip, left, right)
    return left, right

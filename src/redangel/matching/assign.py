"""One person, one record: the links that contradict each other go to a person's look.

Scores weigh each pair alone. The registry holds one record per person, so a roll's row is at
most one registry person, and two rows of the roll that are one person are the same registry
person. Each link above the threshold that breaks this is a pair of strangers among them
(namesakes born the same day, with no CURP to tell them apart):

- a row linked to two registry records keeps the clearly stronger link (by `MARGIN` bits, a
  likelihood ratio of about a thousand); without a clear winner both go to review;
- two rows linked to each other but to two different registry persons are not joined, nor
  two rows one of which is left between two registry persons (joining them would choose).

Two rows linked to one registry person are left alone: they are most often the same person
twice in the roll, written differently enough that the two rows' own pair scores less.

What is taken from a link is not lost: the pair stays, just under the link threshold, for the
steward to review.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Indexes = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
MARGIN = 10.0  # bits a link must beat a contradicting one by to stand


def _by_group(group: Indexes, strength: Floats) -> tuple[Indexes, Indexes, Indexes]:
    """Order of items by group then strength (strongest first), each item's group start and size."""
    order = np.lexsort((-strength, group))
    sorted_group = group[order]
    starts = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1]])
    sizes = np.diff(np.r_[starts, sorted_group.size])
    return order, np.repeat(starts, sizes), np.repeat(sizes, sizes)


def _keep_clear_winner(items: Indexes, group: Indexes, rival: Indexes, strength: Floats) -> Bools:
    """Per group of items, which to keep: the strongest if it beats every item of another rival
    (a different value of `rival`) by `MARGIN`; items sharing the winner's rival value stay too."""
    keep = np.ones(items.size, dtype=bool)
    if items.size == 0:
        return keep
    order, start, _ = _by_group(group, strength)
    s, r = strength[order], rival[order]
    best_s, best_r = s[start], r[start]
    other = r != best_r
    challenger = np.full(items.size, -np.inf)
    np.maximum.at(challenger, start[other], s[other])
    contested = challenger[start] > -np.inf
    lost = other | (contested & (best_s - challenger[start] < MARGIN))
    keep[order] = ~lost
    return keep


def consistent(a: Indexes, b: Indexes, logit: Floats, sure: Bools, incoming: int) -> Bools:
    """Which of the `sure` pairs (a incoming, b incoming or registry) stay links."""
    keep = sure.copy()
    to_registry = np.flatnonzero(keep & (b >= incoming))
    # a row is at most one registry person
    keep[to_registry] = _keep_clear_winner(to_registry, a[to_registry], b[to_registry],
                                           logit[to_registry])
    person = np.full(incoming, -1, dtype=np.int64)
    kept = np.flatnonzero(keep & (b >= incoming))
    person[a[kept]] = b[kept]
    undecided = np.zeros(incoming, dtype=bool)
    undecided[a[to_registry]] = person[a[to_registry]] < 0
    # two rows of one person are one registry person
    within = np.flatnonzero(keep & (b < incoming))
    ra, rb = a[within], b[within]
    pa, pb = person[ra], person[rb]
    apart = (pa >= 0) & (pb >= 0) & (pa != pb)
    keep[within[apart | undecided[ra] | undecided[rb]]] = False
    return keep

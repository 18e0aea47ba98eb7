"""How well predicted chances of recall match what happened: the FSRS benchmark's log loss and RMSE(bins),
plus the two significance figures the optimizer's adoption rule uses. Pure arithmetic on lists.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache

Bin = tuple[int, int, int]


def log_losses(predictions: Sequence[float], labels: Sequence[int]) -> list[float]:
    """Each review's log loss (binary cross-entropy); predictions must be strictly inside (0, 1).

    Args:
        predictions: Predicted chances of recall.
        labels: 1 for a recall (rating Hard/Good/Easy), 0 for a lapse (Again).

    Returns:
        One loss per review.
    """
    return [-math.log(p if y else 1 - p) for p, y in zip(predictions, labels, strict=True)]


@lru_cache(maxsize=65536)  # few distinct arguments, called once per review
def benchmark_bin(delta_days: int, long_term_reviews: int, lapses: int) -> Bin:
    """The FSRS benchmark's RMSE bin of a review (fsrs-rs `FSRSItem::r_matrix_index`).

    Args:
        delta_days: Days since the previous review (at least 1).
        long_term_reviews: Day-separated reviews of the card before this one.
        lapses: Day-separated Again ratings before this one.

    Returns:
        Log-spaced bins of the interval, the history's length and the lapses.
    """
    delta_bin = round(2.48 * 3.62 ** math.floor(math.log(delta_days, 3.62)) * 100)
    length = long_term_reviews + 2  # fsrs-rs counts this review too, plus one
    length_bin = round(1.99 * 1.89 ** math.floor(math.log(length, 1.89)))
    lapse_bin = round(1.65 * 1.73 ** math.floor(math.log(lapses, 1.73))) if lapses else 0
    return delta_bin, length_bin, lapse_bin


def rmse_bins(predictions: Sequence[float], labels: Sequence[int], bins: Sequence[Bin]) -> float:
    """RMSE(bins) as the FSRS benchmark reports it: in each bin the mean prediction against the mean
    outcome, squared, weighted by the bin's size; the root of the weighted mean.

    Raises:
        ValueError: no predictions.
    """
    if not predictions:
        raise ValueError("no predictions to score")
    sums: defaultdict[Bin, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    for p, y, b in zip(predictions, labels, bins, strict=True):
        acc = sums[b]
        acc[0] += p
        acc[1] += y
        acc[2] += 1
    total = sum(n for _, _, n in sums.values())
    return math.sqrt(sum((p / n - y / n) ** 2 * n for p, y, n in sums.values()) / total)


def paired_z(before: Sequence[float], after: Sequence[float]) -> float:
    """The mean of `before - after` over its standard error (0 when every difference is the same).

    Positive: `after` is lower (better, for losses).
    """
    diffs = [b - a for b, a in zip(before, after, strict=True)]
    n = len(diffs)
    if n < 2:
        return 0.0
    mean = sum(diffs) / n
    var = sum((d - mean) ** 2 for d in diffs) / (n - 1)
    return 0.0 if var == 0 else mean / math.sqrt(var / n)


def auc(predictions: Sequence[float], labels: Sequence[int]) -> tuple[float, float]:
    """How well predictions rank recalls above lapses, and whether that is more than chance.

    Returns:
        The AUC (ties share their mean rank) and its z above 0.5 under the null hypothesis that the
        outcomes do not depend on the predictions (Mann-Whitney, no tie correction); (0.5, 0.0) when
        every outcome is the same.
    """
    order = sorted(range(len(predictions)), key=predictions.__getitem__)
    ranks = [0.0] * len(order)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and predictions[order[j + 1]] == predictions[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(labels)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return 0.5, 0.0
    area = (sum(r for r, y in zip(ranks, labels, strict=True) if y) - pos * (pos + 1) / 2) / (pos * neg)
    se = math.sqrt((pos + neg + 1) / (12 * pos * neg))
    return area, (area - 0.5) / se

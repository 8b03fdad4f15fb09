"""Calibration from the site's own data: what the thresholds do on this gallery and on the
decisions staff confirmed. Pure arithmetic; `selectors.calibration_read` gathers the data.

Two sources, on the engine's own 0-100 similarity scale:
- the gallery measurement: for a sample of enrolled people, the similarity of one of their
  photos to the nearest *other* enrolled person. Someone else at the match threshold or above
  would be accepted as them: the share of such people estimates the false-accept rate at the
  gallery's present size (it grows with the gallery);
- feedback: similarities of decisions staff marked right (`correct`) and wrong (`wrong_person`;
  and `admitted_after_id_check`, a possible deny-list match that was not that person).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

BIN_WIDTH = 2.0  # histograms count similarities in bins this wide, from 0 to 100
THRESHOLD_STEP = 0.5  # suggestions move in half points of similarity
# Fewer sampled people say too little: with 100, a 1 % rate is one person's nearest neighbour.
MIN_PEOPLE_TO_SUGGEST = 100


@dataclass(frozen=True)
class FalseAcceptEstimate:
    """Of `sampled` people, `accepted` have someone else at the threshold or above."""

    threshold: float
    accepted: int
    sampled: int

    @property
    def rate(self) -> float:
        return self.accepted / self.sampled if self.sampled else 0.0

    @property
    def upper_bound(self) -> float:
        """The rate's 95 % upper bound (Wilson score interval): what a small sample allows."""
        return wilson_upper_bound(self.accepted, self.sampled)

    @property
    def rate_percent(self) -> float:
        return round(100 * self.rate, 2)

    @property
    def upper_bound_percent(self) -> float:
        return round(100 * self.upper_bound, 2)


@dataclass(frozen=True)
class Suggestion:
    """A threshold, or None with the reason; and what it would cost in confirmed-right
    decisions (those under it would have gone unrecognised)."""

    threshold: float | None
    reason: str
    right_below: int = 0


def wilson_upper_bound(successes: int, trials: int, z: float = 1.96) -> float:
    if trials == 0:
        return 1.0
    share = successes / trials
    centre = share + z * z / (2 * trials)
    spread = z * math.sqrt(share * (1 - share) / trials + z * z / (4 * trials * trials))
    return min(1.0, (centre + spread) / (1 + z * z / trials))


def false_accepts(nearest_others: Sequence[float], threshold: float) -> FalseAcceptEstimate:
    accepted = sum(similarity >= threshold for similarity in nearest_others)
    return FalseAcceptEstimate(threshold=threshold, accepted=accepted, sampled=len(nearest_others))


def suggest_threshold(
    nearest_others: Sequence[float],
    confirmed_wrong: Sequence[float],
    confirmed_right: Sequence[float],
    *,
    target_false_accept_rate: float,
) -> Suggestion:
    """The lowest threshold (the one that recognises the most people) at which the gallery's
    estimated false-accept rate is at most the target, and that every confirmed-wrong match
    falls under."""
    if len(nearest_others) < MIN_PEOPLE_TO_SUGGEST:
        return Suggestion(
            None,
            f"the gallery measurement needs at least {MIN_PEOPLE_TO_SUGGEST} enrolled people "
            "(measure the gallery again once more people are enrolled)",
        )
    # Strictly above the highest confirmed wrong match, on the grid of steps.
    first_step = math.floor(max(confirmed_wrong) / THRESHOLD_STEP) + 1 if confirmed_wrong else 0
    steps = range(max(first_step, 0), int(100 / THRESHOLD_STEP) + 1)
    for step in steps:
        threshold = step * THRESHOLD_STEP
        if false_accepts(nearest_others, threshold).rate <= target_false_accept_rate:
            right_below = sum(similarity < threshold for similarity in confirmed_right)
            why = (
                f"the lowest similarity at which at most {target_false_accept_rate:.1%} of "
                "the enrolled people measured have someone else as near"
            )
            if confirmed_wrong:
                why += ", above every confirmed wrong match"
            return Suggestion(threshold, why, right_below)
    return Suggestion(None, "every threshold is under a confirmed wrong match of 100")


def histogram(values: Sequence[float], *, bin_width: float = BIN_WIDTH) -> list[int]:
    """Counts of `values` in bins of `bin_width` from 0 to 100 (100 itself in the last)."""
    bins = int(100 / bin_width)
    counts = [0] * bins
    for value in values:
        counts[min(bins - 1, max(0, int(value // bin_width)))] += 1
    return counts

"""Which quiz attempt counts for an assessment: pure, shared by learners' pages and reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeVar

from eduhub.classrooms.models import ScoreRule


class Attempt(Protocol):
    @property
    def score(self) -> float: ...


A = TypeVar("A", bound=Attempt)


def counted_attempt(
    attempts: Sequence[A], rule: ScoreRule | str, attempts_counted: int | None
) -> A | None:
    """The attempt that counts, from ``attempts`` in the order they were made.

    Only the first ``attempts_counted`` attempts count (all when None); every attempt is kept
    and shown, later ones are practice. ``best`` takes the highest score (the earliest of
    equals), ``last`` the last counted attempt.
    """
    counted = list(attempts if attempts_counted is None else attempts[: max(attempts_counted, 0)])
    if not counted:
        return None
    if ScoreRule(rule) is ScoreRule.LAST:
        return counted[-1]
    return max(counted, key=lambda attempt: attempt.score)

"""Which attempt counts: best or last, within the attempts that count."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from eduhub.classrooms.scoring import counted_attempt


@dataclass
class Try:
    score: float
    n: int


TRIES = [Try(0.5, 1), Try(0.9, 2), Try(0.9, 3), Try(0.2, 4)]


@pytest.mark.parametrize(
    ("rule", "counted", "expected"),
    [
        ("best", None, 2),
        ("last", None, 4),
        ("best", 1, 1),
        ("last", 2, 2),
        ("best", 3, 2),
        ("last", 3, 3),
        ("best", 10, 2),
    ],
)
def test_counted_attempt(rule: str, counted: int | None, expected: int) -> None:
    chosen = counted_attempt(TRIES, rule, counted)
    assert chosen is not None
    assert chosen.n == expected


def test_no_attempt_counts_when_none_were_made_or_none_may_count() -> None:
    assert counted_attempt([], "best", None) is None
    assert counted_attempt(TRIES, "best", 0) is None


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="sometimes"):
        counted_attempt(TRIES, "sometimes", None)

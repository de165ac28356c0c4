"""Figures the tests measure (requests answered, effects counted, e-mails lost...), printed at the
end of the run as "FIGURE <figure>: <text>" lines, so the CI log quotes them.

    from tests import figures
    figures.record("R1", "votes sqlite: 50 requests, 0 5xx, 1 vote")

or the `figure` fixture of tests/conftest.py: figure("R1", "..."). A figure travels on the test's
report (`user_properties`), so it reaches the terminal summary from pytest-xdist's workers too.
"""

from __future__ import annotations

import pytest

PROPERTY = "figure"

_current: list[pytest.Item] = []
_collected: list[str] = []


def record(figure: str, text: str) -> None:
    """Record a figure for the test now running."""
    if not _current:
        raise RuntimeError("figures.record() is called from a test (or its fixtures) only")
    add(_current[-1], figure, text)


def add(item: pytest.Item, figure: str, text: str) -> None:
    item.user_properties.append((PROPERTY, f"{figure}: {text}"))


# --- Used by tests/conftest.py's hooks --------------------------------------------------------------


def running(item: pytest.Item | None) -> None:
    """The test now running (None when it ends)."""
    _current.clear()
    if item is not None:
        _current.append(item)


def collect(report: pytest.TestReport) -> None:
    """Keep the figures of a test's last report (its teardown's: it carries those of every phase;
    under xdist the controller sees the workers' reports)."""
    if report.when == "teardown":
        _collected.extend(value for name, value in report.user_properties if name == PROPERTY)


def summary() -> list[str]:
    return [f"FIGURE {text}" for text in _collected]

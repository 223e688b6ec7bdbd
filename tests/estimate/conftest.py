"""Fixtures for the estimation tests: the published capture tables (see fixtures/SOURCES.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwatch.estimate.table import CaptureTable, read_histories_csv

FIXTURES = Path(__file__).parent / "fixtures"


def published(name: str) -> CaptureTable:
    return read_histories_csv(FIXTURES / f"{name}.csv")


@pytest.fixture
def kosovo() -> CaptureTable:
    return published("kosovo_1999")


@pytest.fixture
def korea() -> CaptureTable:
    return published("korea")


@pytest.fixture
def uk6() -> CaptureTable:
    return published("uk_2013_six_lists")


@pytest.fixture
def uk5() -> CaptureTable:
    return published("uk_2013_five_lists")

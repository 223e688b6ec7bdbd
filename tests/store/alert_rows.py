"""A complete `alerts` row, for tests that write moments through the store's tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any


def alert_row(alert_id: str, **values: Any) -> dict[str, Any]:
    return {
        "id": alert_id,
        "person_id": "P-000001",
        "open_key": alert_id,
        "kind": "held",
        "severity": "high",
        "severity_rank": 3,
        "since": date(2017, 7, 1),
        "last_confirmed": None,
        "factors": '[{"code": "stale"}]',
        "fingerprint": "f" * 64,
        "as_of": date(2026, 12, 7),
        # Microseconds and none: the driver's own form drops ".000000", SQLAlchemy's not.
        "opened_at": datetime(2026, 12, 7, 7, 38, 4, 123456, tzinfo=UTC),
        "updated_at": datetime(2026, 12, 7, 7, 38, 4, tzinfo=UTC),
        "closed_at": None,
        **values,
    }

"""Own hotlist entries listed by status (the console's /entries and `argos hotlist
list`): a page of one status is full whenever enough entries of that status exist,
wherever they lie in the list, and paging on from its last entry misses none."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from gateway.bootstrap import Application, build_application
from gateway.domain.hotlist import Action
from gateway.domain.roles import Role
from gateway.services.context import Caller
from gateway.services.hotlist import STATUS_SCAN_PAGE, EntryDraft
from tests.unit.app_support import NoPartners, gent_config

ADMIN = Caller("user", "admin", Role.ADMIN)
IVAN = Caller("user", "ivan", Role.INVESTIGATOR)
NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def app(tmp_path, certs) -> Iterator[Application]:
    app = build_application(
        gent_config(tmp_path, certs), federation=NoPartners(), clock=lambda: NOW
    )
    app.administration.initialise("admin")
    yield app
    app.close()


def _add(app: Application, n: int, first: int) -> list[str]:
    ids = []
    for i in range(first, first + n):
        draft = EntryDraft(
            plate=f"1-PAG-{i:03d}",
            country="B",
            category="stolen_vehicle",
            action=Action.DISCREET_CHECK.value,
            expires_at=NOW + timedelta(days=30),
            entry_id=str(uuid.UUID(int=i + 1)),  # ids in the order added
        )
        ids.append(app.hotlist.add(IVAN, draft, "test").entry.entry_id)
    return ids


def _ids(app: Application, after: str, limit: int, status: str) -> list[str]:
    return [v.entry.entry_id for v in app.hotlist.page(IVAN, after, limit, status)]


def test_a_status_page_is_filled_from_beyond_the_first_store_page(app):
    # More active entries than one scan of the store holds, then the withdrawn ones.
    active = _add(app, STATUS_SCAN_PAGE + 5, 0)
    later = _add(app, 7, STATUS_SCAN_PAGE + 5)
    for entry_id in later:
        app.hotlist.withdraw(IVAN, entry_id, "test")

    first = _ids(app, "", 4, "withdrawn")
    assert first == later[:4]
    rest = _ids(app, first[-1], 4, "withdrawn")
    assert rest == later[4:]
    assert _ids(app, rest[-1], 4, "withdrawn") == []
    # Without a status the store's own page is returned as it is.
    assert _ids(app, "", 3, "") == active[:3]
    assert _ids(app, "", 3, "active") == active[:3]

"""How the TAXII client asks for the objects a manifest listed: by id and version, in
queries short enough for the proxies in front of real TAXII servers."""

from __future__ import annotations

import urllib.parse
import uuid

from gateway.node.taxii import MAX_QUERY_CHARS, _batches
from gateway.services.isc import ManifestRecord


def record(i: int, version: str | None = None) -> ManifestRecord:
    return ManifestRecord(
        object_id=f"indicator--{uuid.uuid4()}",
        version=f"2026-11-20T09:{i // 60 % 60:02d}:{i % 60:02d}.000Z"
        if version is None
        else version,
        date_added="2026-11-20T10:00:00.000000Z",
    )


def test_listed_objects_are_asked_for_each_once_in_order_under_the_query_budget():
    records = [record(i) for i in range(250)]
    batches = _batches(records)
    assert len(batches) > 1
    assert [i for ids, _ in batches for i in ids] == [r.object_id for r in records]
    for ids, versions in batches:
        query = urllib.parse.urlencode(
            {"match[id]": ",".join(ids), "match[version]": ",".join(versions)}
        )
        assert len(query) <= MAX_QUERY_CHARS + 64  # the two parameter names


def test_a_shared_version_is_named_once_and_an_unversioned_object_by_all():
    same = [record(0, "2026-11-20T09:00:00.000Z") for _ in range(5)]
    [(ids, versions)] = _batches([*same, record(1, "")])
    assert len(ids) == 6 and versions == ["2026-11-20T09:00:00.000Z", "all"]

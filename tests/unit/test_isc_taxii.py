"""How the TAXII client asks for the objects a manifest listed: by id and version, in
queries short enough for the proxies in front of real TAXII servers; and which
collection URLs it may use at all: https, or plain http to a loopback address only when
the node's settings say so."""

from __future__ import annotations

import urllib.parse
import uuid

import pytest

from gateway.domain.errors import InvalidInput
from gateway.node.taxii import MAX_QUERY_CHARS, TaxiiCollection, _batches, check_collection_url
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


# -- which collection URLs the client may use --------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://isc.example/api/collections/x/",
        "https://10.0.0.7:8443/api/collections/x/",
        "https://127.0.0.1/api/collections/x/",
    ],
)
def test_an_https_collection_url_is_used_whatever_the_setting(url):
    for allow in (False, True):
        assert check_collection_url(url, allow).scheme == "https"


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.8.9.10", "[::1]", "localhost"], ids=lambda h: h.strip("[]")
)
def test_plain_http_to_loopback_needs_the_explicit_setting(host):
    url = f"http://{host}:6000/isc/collections/x/"
    with pytest.raises(InvalidInput, match=r"allow_plain_http_loopback = true"):
        check_collection_url(url, False)
    assert check_collection_url(url, True).scheme == "http"


@pytest.mark.parametrize(
    "url",
    [
        "http://isc.example/api/collections/x/",
        "http://10.0.0.7/api/collections/x/",
        "http://0.0.0.0:6000/api/collections/x/",
        "http://localhost.isc.example/api/collections/x/",
        "http://[::ffff:10.0.0.7]/api/collections/x/",
    ],
)
def test_plain_http_anywhere_else_is_refused_even_with_the_setting(url):
    for allow in (False, True):
        with pytest.raises(InvalidInput, match="must be https"):
            check_collection_url(url, allow)


@pytest.mark.parametrize("url", ["ftp://isc.example/x/", "isc.example/x/", "https:///x/"])
def test_a_collection_url_that_is_not_http_at_all_is_refused(url):
    with pytest.raises(InvalidInput, match="must be https://host"):
        check_collection_url(url, True)


def test_the_client_itself_refuses_plain_http_before_any_connection():
    with pytest.raises(InvalidInput, match="must be https"):
        TaxiiCollection("http://isc.example/api/collections/x/", "member", "secret")
    with pytest.raises(InvalidInput, match="allow_plain_http_loopback"):
        TaxiiCollection("http://127.0.0.1:1/api/collections/x/", "member", "secret")

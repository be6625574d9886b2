"""ISC pull: `argos isc pull` of a node against a local medallion (the OASIS reference
TAXII 2.1 server, in-memory backend, its own process, pages of at most 100) holding n
vehicle indicators, ten to each date_added (ties at page edges), from an empty cursor
until every one is a stored candidate: `isc_pull_objects_per_s`, at n = 10,000.

Beside it, on a second medallion holding SUBSET objects made the same way, the same pull
and plain taxii2-client paging (`as_pages(collection.get_objects, per_request=100)`,
collecting only): `isc_pull_1k_objects_per_s` and `isc_pull_taxii2client_1k_objects_per_s`,
whose ratio is `isc_pull_speedup_vs_taxii2client`. Then 100 objects are added to that
server and both take in only what is new (taxii2-client with `added_after`, as its docs
show; ours by manifest): `isc_pull_incremental_…`. The comparison is at 1,000 objects,
not 10,000, because at 10,000 each client's first page alone takes about 5 minutes here
(so the section would take twice as long); the quadratic costs below make a ratio at one
size say little about another.

Where medallion 3.0.0's time goes (memory backend, filters/basic_filter.py), n objects in
the collection, m matching the query:
- the first page of every objects query joins the result to the manifest, one
  `strptime` per (manifest entry, object) pair until each match: n x m / 2 calls, about
  4.4 µs each here, whatever `limit` says (nothing stops at the limit). A full pull is
  n^2 / 2 however it is split into queries (splitting costs more), so ours asks one query
  and follows `next`: minutes at 10,000 for any client, and the floor;
- `added_after` on objects: another `strptime` per (object, manifest entry) pair,
  n^2 whatever the window, even when nothing is new. The manifest endpoint filters
  added_after in one pass; ours therefore asks the manifest once a cursor exists, and
  fetches the new objects by `match[id]` and `match[version]` (n per object fetched);
- without `match[spec_version]`, a pairwise pass over the result to find each object's
  latest spec version (n^2 cheap comparisons: 0.43 s of a 2.9 s first page at 1,000).
  Ours sends `match[spec_version]=2.1`;
- `next` pages are served from a list saved by the first page: linear, two deep copies
  of the collection per request (its permission checks). `limit` above the server's
  max_page_size is cut to it.

The objects are written into medallion's data file before it starts, as if members had
posted them (posting 10,000 objects one by one costs medallion quadratic time too)."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from taxii2client.v21 import Collection, as_pages

from gateway.federation import LocalFederation, LocalNode
from tests.medallion_support import PASSWORD, USER, node_isc_table, start_medallion

PAGE = 100


def _indicators(n: int) -> list[tuple[dict, str]]:
    base = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    out = []
    for i in range(n):
        letters = "".join(chr(65 + i // 26**k % 26) for k in (2, 1, 0))
        plate = f"{1 + i % 9}-{letters}-{i % 1000:03d}"
        obj = {
            "type": "indicator",
            "spec_version": "2.1",
            "id": f"indicator--{uuid.uuid4()}",
            "created": "2026-11-20T08:00:00.000Z",
            "modified": "2026-11-20T08:00:00.000Z",
            "name": "Vehicle seen at a container theft",
            "pattern": f"[x-vehicle:license_plate = '{plate}' AND x-vehicle:country = 'BE']",
            "pattern_type": "stix",
            "valid_from": "2026-11-20T08:00:00Z",
        }
        added = (base + timedelta(milliseconds=i // 10)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out.append((obj, added))
    return out


SUBSET = 1_000
ADDED = 100


def _last_added(objects: list[tuple[dict, str]]) -> str:
    return objects[-1][1]


def _node(workdir: Path, certs: Path, collection_url: str) -> tuple[LocalFederation, LocalNode]:
    fed = LocalFederation(workdir, certs, ("be-gent",))
    fed.start()
    gent = fed["be-gent"]
    credentials = gent.home / "isc.credentials"
    credentials.write_text(f"{USER}:{PASSWORD}\n")
    os.chmod(credentials, 0o600)
    gent.stop()
    with (gent.home / "node.toml").open("a") as f:
        f.write(
            node_isc_table(
                collection_url, 'credentials_file = "isc.credentials"', f"page_size = {PAGE}"
            )
        )
    gent.start()
    return fed, gent


def _ours(gent: LocalNode, ivan: Path, expect: int) -> float:
    started = time.perf_counter()
    # medallion's first page of 10,000 takes minutes (see above); the CLI allows an hour.
    pulled = gent.json("isc", "pull", token_file=ivan, timeout_s=3600)
    took = time.perf_counter() - started
    assert int(pulled["new_candidates"]) == expect, pulled
    return took


def _naive(collection: Collection, expect: int, **filters: str) -> float:
    started = time.perf_counter()
    got = sum(
        len(envelope.get("objects", []))
        for envelope in as_pages(collection.get_objects, per_request=PAGE, **filters)
    )
    took = time.perf_counter() - started
    assert got == expect, f"taxii2-client got {got} of {expect}"
    return took


def run(workdir: Path, certs: Path, n: int) -> dict[str, float]:
    results: dict[str, float] = {"isc_pull_objects": float(n)}
    subset = min(n, SUBSET)
    tag = "1k" if subset == 1_000 else f"{subset}"

    # Both clients, and later pulls, on SUBSET objects.
    preload = _indicators(subset)
    server = start_medallion(workdir / "isc-subset", preload, max_page_size=PAGE)
    fed, gent = _node(workdir / "nodes-subset", certs, server.collection_url)
    try:
        ivan = gent.add_user("ivan", "investigator")
        collection = Collection(server.collection_url, user=USER, password=PASSWORD)
        naive_s = _naive(collection, subset)
        ours_s = _ours(gent, ivan, subset)
        server.add([obj for obj, _ in _indicators(ADDED)])
        naive_later_s = _naive(collection, ADDED, added_after=_last_added(preload))
        ours_later_s = _ours(gent, ivan, ADDED)
    finally:
        fed.stop()
        server.stop()
    results |= {
        f"isc_pull_{tag}_objects_per_s": subset / ours_s,
        f"isc_pull_taxii2client_{tag}_objects_per_s": subset / naive_s,
        "isc_pull_speedup_vs_taxii2client": naive_s / ours_s,
        f"isc_pull_incremental_{ADDED}_on_{tag}_s": ours_later_s,
        f"isc_pull_incremental_{ADDED}_on_{tag}_taxii2client_s": naive_later_s,
        "isc_pull_incremental_speedup_vs_taxii2client": naive_later_s / ours_later_s,
    }
    if n == subset:
        results["isc_pull_objects_per_s"] = subset / ours_s
        return results

    server = start_medallion(workdir / "isc", _indicators(n), max_page_size=PAGE)
    fed, gent = _node(workdir / "nodes", certs, server.collection_url)
    try:
        ivan = gent.add_user("ivan", "investigator")
        results["isc_pull_objects_per_s"] = n / _ours(gent, ivan, n)
    finally:
        fed.stop()
        server.stop()
    return results

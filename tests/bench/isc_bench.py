"""ISC pull: `argos isc pull` of a node against a local medallion (the OASIS reference
TAXII 2.1 server, in-memory backend, its own process) holding n vehicle indicators,
ten to each date_added (ties at page edges), from an empty cursor until every object
is a stored candidate. Beside it, in the same run and against the same server, the
plain taxii2-client paging (`as_pages(collection.get_objects, per_request=100)`),
which only collects the objects and stores nothing.

The objects are written into medallion's data file before it starts, as if members had
posted them (posting 10,000 objects one by one costs medallion quadratic time too)."""

from __future__ import annotations

import json
import os
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from taxii2client.v21 import Collection, as_pages

from gateway.federation import LocalFederation
from tests.medallion_support import PASSWORD, USER, start_medallion

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


def run(workdir: Path, certs: Path, n: int) -> dict[str, float]:
    server = start_medallion(workdir / "isc", _indicators(n), max_page_size=PAGE)
    fed = LocalFederation(workdir / "nodes", certs, ("be-gent",))
    try:
        started = time.perf_counter()
        collection = Collection(server.collection_url, user=USER, password=PASSWORD)
        naive = sum(
            len(envelope.get("objects", []))
            for envelope in as_pages(collection.get_objects, per_request=PAGE)
        )
        naive_s = time.perf_counter() - started
        assert naive == n, f"taxii2-client got {naive} of {n}"

        fed.start()
        gent = fed["be-gent"]
        credentials = gent.home / "isc.credentials"
        credentials.write_text(f"{USER}:{PASSWORD}\n")
        os.chmod(credentials, 0o600)
        gent.stop()
        with (gent.home / "node.toml").open("a") as f:
            f.write(
                f"\n[isc]\ncollection_url = {json.dumps(server.collection_url)}\n"
                f'credentials_file = "isc.credentials"\npage_size = {PAGE}\n'
            )
        gent.start()
        ivan = gent.add_user("ivan", "investigator")
        started = time.perf_counter()
        pulled = gent.json("isc", "pull", token_file=ivan)
        ours_s = time.perf_counter() - started
        assert int(pulled["new_candidates"]) == n, pulled
    finally:
        fed.stop()
        server.stop()
    return {
        "isc_pull_objects": float(n),
        "isc_pull_objects_per_s": n / ours_s,
        "isc_pull_taxii2client_objects_per_s": n / naive_s,
        "isc_pull_speedup_vs_taxii2client": naive_s / ours_s,
    }

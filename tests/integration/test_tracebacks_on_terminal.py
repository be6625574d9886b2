"""No plate in a traceback: an adapter process on a terminal (a pseudo-terminal, so that
it logs readable lines with rich tracebacks, as for a person watching it) whose parser
fails unexpectedly, with the plate in its local variables, logs the failure with its
traceback and never a local variable: the whole output holds neither the plate as the
camera sent it nor as normalised. structlog's rich tracebacks show every frame's locals
unless told not to (gateway/node/logs.py).

The failing parser is the one stand-in: no vendor parser here fails on purpose, so the
adapter process wraps the real one (`before=`, below) to keep the plate in a local
variable and then fail as a parser bug would (not with a PayloadError). Everything else
is real: the node, the adapter process, its HTTP listener, its folder thread."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.federation import LocalFederation
from tests.integration.adapter_process import AdapterProcess, adapter_settings, drop_file
from tests.integration.hotlist_support import wait_until

SAMPLES = Path(__file__).parents[1] / "unit" / "vendor_samples"
RAW, NORMALISED = "GHX-123-K", "GHX123K"

FAILING_OPENALPR = """
from adapters.vendors import openalpr
real_parse = openalpr.parse

def parse(body, default_site):
    event = real_parse(body, default_site=default_site)
    plate = event.reads[0].plate  # as the camera sent it
    raise RuntimeError("the parser met something it did not expect")

openalpr.parse = parse
"""

FAILING_FOLDER = """
from adapters.vendors import folder_drop
from gateway.domain.plates import normalise_plate
real_parse = folder_drop.parse_file

def parse_file(path, **options):
    reads, errors = real_parse(path, **options)
    plate, normalised = reads[0].plate, normalise_plate(reads[0].plate)
    fields = {"plate": plate}
    return fields["camera_id"]  # a parser bug: the plate in scope, not in its message
folder_drop.parse_file = parse_file
"""


@pytest.fixture
def gent(tmp_path, certs):
    federation = LocalFederation(tmp_path / "nodes", certs, ("be-gent",))
    try:
        federation.start()
        yield federation["be-gent"]
    finally:
        federation.stop()


ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


def _readable(output: str) -> str:
    """What a person sees: the terminal's colour codes taken out."""
    return ANSI.sub("", output)


def _assert_no_plate(output: str) -> None:
    seen = _readable(output)
    assert "adapter.parser_failed" in seen
    assert "Traceback" in seen  # the failure is logged with where it happened
    assert not any(line.lstrip().startswith("{") for line in seen.splitlines())  # console
    # Also with the frames' borders and line breaks taken out, in case a long value
    # was wrapped across lines.
    joined = re.sub(r"[\s│╭╮╰╯─]", "", seen)
    for plate in (RAW, NORMALISED):
        for text in (output, seen, joined):
            assert plate not in text and plate.lower() not in text, f"{plate!r} on the terminal"


def test_a_pushed_payload_that_breaks_its_parser_puts_no_plate_on_the_terminal(gent, tmp_path):
    group = json.loads((SAMPLES / "openalpr_group.json").read_text())
    group["best_plate_number"] = RAW
    group["best_plate"] = {**group["best_plate"], "plate": RAW, "candidates": []}
    config = adapter_settings(tmp_path / "adapter", gent, gent.add_user("alpr", "adapter"))
    adapter = AdapterProcess("openalpr", config, terminal=True, before=FAILING_OPENALPR)
    try:
        status, answer = adapter.post(json.dumps(group).encode(), "application/json")
        assert status == 500 and "internal parser error" in answer["error"]
        wait_until(lambda: "parser met something" in adapter.text(), what="the logged failure")
    finally:
        output = adapter.stop()
    assert "RuntimeError: the parser met something it did not expect" in _readable(output)
    _assert_no_plate(output)


def test_a_dropped_file_that_breaks_its_parser_puts_no_plate_on_the_terminal(gent, tmp_path):
    drop = tmp_path / "drop"
    drop.mkdir()
    config = adapter_settings(
        tmp_path / "adapter",
        gent,
        gent.add_user("cam", "adapter"),
        folder=str(drop),
        poll_interval_s=0.1,
    )
    adapter = AdapterProcess("folder", config, terminal=True, before=FAILING_FOLDER)
    try:
        seen = datetime.now(UTC).isoformat(timespec="seconds")
        drop_file(drop, "reads.csv", f"plate,time,camera\n{RAW},{seen},cam-1\n")
        # The file goes to the quarantine with the reason; the folder goes on.
        reason = tmp_path / "adapter" / "quarantine" / "reads.csv.reason.json"
        wait_until(reason.exists, what="the file in quarantine")
        assert json.loads(reason.read_text())["reason"] == "internal parser error"
        wait_until(lambda: "KeyError" in adapter.text(), what="the logged failure")
    finally:
        output = adapter.stop()
    _assert_no_plate(output)

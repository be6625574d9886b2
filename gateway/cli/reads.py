"""argos reads: feed a file of camera reads to the node's matching, as an adapter
would (read by gateway/cli/replaying.py)."""

from __future__ import annotations

import itertools
import time
import uuid
from pathlib import Path

import click

from gateway.cli.shared import admin_client, echo_json, json_option, node_command


@click.group()
def reads() -> None:
    """Camera reads (as adapters hand them to the node)."""


@node_command(reads, "replay")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--batch", "batch_size", default=1000, show_default=True, help="Reads per batch.")
@click.option("--rate", type=float, default=0.0, help="Reads per second (0: as fast as taken).")
@json_option
def reads_replay(
    home: Path, token_file: Path | None, path: Path, batch_size: int, rate: float, as_json: bool
) -> None:
    """Feed a JSON-lines file of reads to the node's matching (needs an adapter token).
    Reads that match nothing leave no trace; hits alert at once. Each run is new: its
    batches have ids of their own (the node answers a batch id only once)."""
    from gateway.cli.replaying import ReadLineError, read_reads
    from gateway.wire.argos.v1 import ingest_pb2

    client = admin_client(home, token_file)
    run = uuid.uuid4().hex  # a batch id names one batch: ids unique to this run
    problems: list[tuple[int, str]] = []
    lines_of_batch: dict[str, list[int]] = {}
    # Counted, not taken from the batches awaiting answers: those are popped as answers
    # come, so their number repeats on a stream and the node answers a repeated id from
    # its receipt without matching the reads.
    numbers = itertools.count(1)
    started = time.monotonic()

    def batches():
        batch, lines, sent, number = [], [], 0, 0
        for number, item in enumerate(read_reads(path), start=1):
            if isinstance(item, ReadLineError):
                problems.append((item.line, item.reason))
                continue
            batch.append(item)
            lines.append(number)
            if len(batch) == batch_size:
                yield from _send(batch, lines, sent)
                sent += len(batch)
                batch, lines = [], []
        if batch:
            yield from _send(batch, lines, sent)

    def _send(batch, lines, sent):
        if rate > 0:
            time.sleep(max(0.0, started + sent / rate - time.monotonic()))
        batch_id = f"{run}-{next(numbers)}"
        lines_of_batch[batch_id] = lines
        yield ingest_pb2.SubmitReadsRequest(batch_id=batch_id, reads=batch)

    totals = {"reads": 0, "accepted": 0, "hits": 0, "rejected": 0}
    for answer in client.stream("SubmitReads", batches()):
        lines = lines_of_batch.pop(answer.batch_id, [])
        totals["reads"] += answer.accepted + len(answer.rejected)
        totals["accepted"] += answer.accepted
        totals["hits"] += answer.hits
        for r in answer.rejected:
            problems.append((lines[r.index] if r.index < len(lines) else 0, r.reason))
    totals["rejected"] = len(problems)
    problems.sort()
    if as_json:
        echo_json({**totals, "problems": [{"line": n, "reason": r} for n, r in problems]})
        return
    for number, reason in problems:
        click.echo(f"line {number}: {reason}", err=True)
    click.echo(
        f"{totals['accepted']} reads matched, {totals['hits']} hits, {totals['rejected']} rejected"
    )

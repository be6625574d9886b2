"""What an inbound adapter leaves on its disk, and for how long. The gateway keeps no
read that matched nothing (the hit/no-hit principle); neither does the adapter beside it.

Rules (each is checked by tests/integration/test_adapter_retention.py):
1. Every file and folder the adapter creates is owner-only from the first byte
   (adapters/private_files.py).
2. A read's image waits for the node's answer on that read: it is tied to the read in
   the spool in the same transaction that keeps the read (spool.Push), so it cannot be
   deleted before the node has answered, nor forgotten if the adapter dies meanwhile.
   An image is tied to the reads whose image_ref names it, or to every read of its
   request when none does (the second picture of an event).
3. The node answers which reads hit and when each hit is erased
   (SubmitReadsResponse.batch_hits). An image of a read that hit is kept until its hit
   ends, and deleted then; every other image `keep_no_hit_s` after the answer.
4. A payload that could not be used (its quarantined body and reason) is deleted
   `keep_quarantined_s` after it was kept; a dropped file, once processed, after
   `keep_no_hit_s` (its reads are in the spool by then, and its hits at the node).
5. A file in the adapter's own folders that the ledger does not name (left by a crash
   between writing an image and spooling its read, or by an older version) is given the
   schedule of its folder when the adapter starts.
The ledger is kept in the spool's file (adapters/spool.py); the sweeper here deletes
what is due, every `sweep_interval_s`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

import structlog

from adapters.private_files import private_folder, write_private
from adapters.settings import check_positive
from adapters.spool import ReadSpool, SpoolError
from gateway.settings import Settings
from gateway.wire.argos.v1 import ingest_pb2

log = structlog.get_logger(__name__)


class RetentionSettings(Settings):
    """An adapter's [retention] table."""

    keep_no_hit_s: float = 300.0  # a no-hit read's image, a processed dropped file
    keep_quarantined_s: float = 3600.0  # a payload that could not be used, and its reason
    sweep_interval_s: float = 10.0

    def __post_init__(self) -> None:
        check_positive(
            keep_no_hit_s=self.keep_no_hit_s,
            keep_quarantined_s=self.keep_quarantined_s,
            sweep_interval_s=self.sweep_interval_s,
        )


def tie_images(refs: Sequence[str], images: Mapping[str, Path]) -> list[tuple[str, list[int]]]:
    """(path, positions of the reads it belongs to) for each stored image, by image id
    (rule 2): the reads whose image_ref is its id, else every read of the request."""
    everyone = list(range(len(refs)))
    return [
        (str(path), [i for i, ref in enumerate(refs) if ref == image_id] or everyone)
        for image_id, path in images.items()
    ]


class Leftovers:
    """The files of one adapter: written owner-only, tied to reads or given a time, and
    deleted when due by a thread of their own."""

    def __init__(
        self,
        spool: ReadSpool,
        settings: RetentionSettings,
        folders: Mapping[Path, float],
        clock: Callable[[], float] = time.time,
    ) -> None:
        """`folders`: the adapter's own folders, each with how long a file found there
        unaccounted for is kept (rule 5)."""
        self._spool = spool
        self.settings = settings
        self._folders = dict(folders)
        self._clock = clock
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="leftovers", daemon=True)
        self.deleted = 0

    def start(self) -> None:
        """Make the folders (owner-only), adopt what is unaccounted for, start sweeping.
        Call before anything can write into the folders."""
        for folder in self._folders:
            private_folder(folder)
        self._adopt()
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    # -- writing ----------------------------------------------------------------------

    def write(self, path: Path, data: bytes) -> Path:
        """A file that a read will be tied to (an image): owner-only, no time yet."""
        return write_private(path, data)

    def discard(self, paths: Iterable[Path]) -> None:
        """Files written for reads that were not kept after all (the spool refused them)."""
        for path in paths:
            path.unlink(missing_ok=True)

    def quarantined(self, path: Path, data: bytes) -> Path:
        """A file kept for inspection of a payload that could not be used (rule 4)."""
        write_private(path, data)
        self.delete_after(path, self.settings.keep_quarantined_s)
        return path

    def delete_after(self, path: Path, seconds: float) -> None:
        self._spool.delete_later([str(path)], self._clock() + seconds)

    # -- the node's answer ------------------------------------------------------------

    def answered(
        self, rows: Sequence[tuple[int, bytes]], answer: ingest_pb2.SubmitReadsResponse
    ) -> None:
        """The node answered for these spooled rows (oldest first): forget them, and
        give what they left its time (rule 3)."""
        kept_until: dict[int, float] = {}
        for hit in answer.batch_hits:
            if hit.index < len(rows):
                read_id = rows[hit.index][0]
                ends = hit.expires_at.seconds + hit.expires_at.nanos / 1e9
                kept_until[read_id] = max(ends, kept_until.get(read_id, 0.0))
        then = self._clock() + self.settings.keep_no_hit_s
        self._spool.forget(rows[-1][0], kept_until=kept_until, then=then)

    # -- deleting ---------------------------------------------------------------------

    def sweep(self) -> int:
        """Delete every file that is due; how many."""
        count = 0
        while not self._stop.is_set():
            due = self._spool.due(self._clock())
            if not due:
                break
            for path in due:
                try:
                    Path(path).unlink(missing_ok=True)
                except IsADirectoryError:
                    log.warning("adapter.leftover_is_a_folder")  # not ours to remove
                except OSError as error:
                    log.warning("adapter.leftover_not_deleted", reason=error.strerror)
                    return count  # tried again at the next sweep
            self._spool.deleted(due)
            count += len(due)
        if count:
            self.deleted += count
            log.info("adapter.leftovers_deleted", files=count)
        return count

    def _run(self) -> None:
        while not self._stop.wait(self.settings.sweep_interval_s):
            try:
                self.sweep()
            except SpoolError as error:
                log.error("adapter.leftovers_failed", reason=str(error)[:300])

    def _adopt(self) -> None:
        now = self._clock()
        adopted = 0
        for folder, keep_s in self._folders.items():
            for entry in folder.iterdir():
                if entry.is_dir() and not entry.is_symlink():
                    continue  # a folder of its own (the drop folder's done/)
                if not self._spool.holds(str(entry)):
                    self._spool.delete_later([str(entry)], now + keep_s)
                    adopted += 1
        if adopted:
            log.warning("adapter.leftovers_adopted", files=adopted)

"""Running an inbound adapter: a real HTTPS listener for one vendor's push that admits
configured cameras only (adapters/edge), the vendor's parser (adapters/vendors), a
quarantine for what cannot be used, and a forwarder that hands reads to the node's
ingest API in batches. A bad payload gets a 4xx with its reason and is kept for
inspection; it never takes a good read down with it."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

import grpc
import msgspec
import structlog

from adapters.edge.credentials import CameraRegistry
from adapters.edge.gate import CameraGate
from adapters.edge.settings import EdgeSettings
from adapters.edge.tls import server_context
from adapters.evidence import image_ref, keep_images
from adapters.listener import Listener, push_handler
from adapters.model import DIRECTIONS, AdapterRead, PayloadError
from adapters.process import run_until_interrupted, start_process
from adapters.retention import Leftovers, RetentionSettings, tie_images
from adapters.settings import (
    check_listen,
    check_one_of,
    check_positive,
    check_time_zone,
    load_adapter_settings,
)
from adapters.spool import SYNC, Push, ReadSpool, SpoolError
from adapters.vendors import axis, folder_drop, genetec, hikvision, openalpr
from gateway.domain.retry import Backoff
from gateway.domain.times import epoch_ms
from gateway.wire import hits_codec
from gateway.wire.argos.v1 import ingest_pb2, reads_pb2
from gateway.wire.local_api import LocalApi

log = structlog.get_logger(__name__)

KINDS = ("hikvision", "axis", "openalpr", "genetec", "folder")
SPOOL_READS = 5_000_000  # held while the node is away; beyond it cameras are told to retry


class AdapterConfig(EdgeSettings, kw_only=True):
    """An inbound adapter's settings file; its kind comes from the command line. Who may
    push to its listener (TLS, [cameras.<id>], rates) is EdgeSettings'."""

    kind: str
    node_socket: Path  # the node's admin socket (ingest API)
    token_file: Path  # an adapter user's token
    site: str
    listen: str = "127.0.0.1:8480"
    quarantine_dir: Path = Path("quarantine")
    images_dir: Path = Path("images")
    spool_path: Path = Path("read-spool.sqlite")  # reads accepted, not yet at the node
    spool_max_reads: int = SPOOL_READS
    spool_sync: str = "normal"  # or "full": see adapters/spool.py
    batch_size: int = 500
    flush_interval_s: float = 0.05
    directions: dict[str, str] = msgspec.field(default_factory=dict)
    # kind "folder": where CSV / JSON-lines files of reads are dropped.
    folder: Path | None = None
    poll_interval_s: float = 1.0
    # The zone of cameras (or, for a folder, files) that give local times without an
    # offset (Hikvision dateTime, Axis datetime, a dropped file's time): such times
    # are refused unless it is given, since a guessed zone shifts every read by hours.
    camera_timezone: str | None = None
    # How long what reads leave on disk is kept ([retention]: adapters/retention.py).
    retention: RetentionSettings = msgspec.field(default_factory=RetentionSettings)

    def __post_init__(self) -> None:
        check_one_of("kind", self.kind, KINDS)
        check_listen("listen", self.listen)
        check_one_of("spool_sync", self.spool_sync, SYNC)
        check_positive(
            spool_max_reads=self.spool_max_reads,
            batch_size=self.batch_size,
            flush_interval_s=self.flush_interval_s,
            poll_interval_s=self.poll_interval_s,
        )
        if not set(self.directions.values()) <= DIRECTIONS:
            raise ValueError("directions: each must map to 'in', 'out' or ''")
        if self.kind == "folder" and self.folder is None:
            raise ValueError("folder: required for a folder adapter")
        if self.camera_timezone is not None:
            check_time_zone("camera_timezone", self.camera_timezone)
        self.check_edge(takes_pushes=self.kind != "folder")

    @property
    def naive_zone(self) -> tzinfo | None:
        """camera_timezone, for gateway.domain.times.parse_time."""
        return ZoneInfo(self.camera_timezone) if self.camera_timezone is not None else None

    @classmethod
    def load(cls, path: Path, kind: str) -> AdapterConfig:
        return load_adapter_settings(path, cls, kind=kind)


@dataclass
class Health:
    """What GET /health shows: counts, never content, and no count of hits, which would
    tell whoever pushes a plate whether it is on a list (`argos status` shows the
    adapter's hits as the node counts them, to the node's users)."""

    received: int = 0
    reads: int = 0
    forwarded: int = 0
    rejected_by_node: int = 0
    quarantined: int = 0
    ignored: int = 0
    # Batches sent again (after a restart) that the node had answered already.
    batches_answered_before: int = 0
    last_error: str = ""
    last_forward_at: str = ""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)

    def as_dict(self) -> dict:
        with self.lock:
            return {k: v for k, v in self.__dict__.items() if k != "lock"}


def to_pb(read: AdapterRead) -> reads_pb2.PlateRead:
    msg = reads_pb2.PlateRead(
        plate=read.plate,
        country=read.country,
        confidence=read.confidence,
        camera=read.camera,
        site=read.site,
        direction=hits_codec.DIRECTIONS.get(read.direction, 0),
        image_ref=read.image_ref,
    )
    for plate, confidence in read.candidates:
        msg.candidates.add(plate=plate, confidence=confidence)
    ms = epoch_ms(read.observed_utc)
    msg.observed_at.seconds, msg.observed_at.nanos = ms // 1000, (ms % 1000) * 1_000_000
    return msg


class Forwarder:
    """Hands spooled reads to the node's ingest API, oldest first, many requests' reads
    to one SubmitReads message under the batch id the spool fixed; retries while the
    node is away. A read leaves the spool only once the node has answered for it, and
    a batch sent again is answered by the node from its receipt (exactly once)."""

    def __init__(
        self,
        config: AdapterConfig,
        spool: ReadSpool,
        health: Health,
        answered: Callable[[list[tuple[int, bytes]], ingest_pb2.SubmitReadsResponse], None],
    ) -> None:
        self._config = config
        self._spool = spool
        self._health = health
        self._answered = answered  # forgets the rows; what they left gets its time
        self._stop = threading.Event()
        self._wake = threading.Event()  # a full batch is waiting
        self._thread = threading.Thread(target=self._run, name="forwarder", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def spooled(self) -> None:
        """Reads were committed to the spool: forward now if a batch is full."""
        if self._spool.pending >= self._config.batch_size:
            self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        with LocalApi.with_token_file(self._config.node_socket, self._config.token_file) as node:
            self._forward(node)

    def _forward(self, node: LocalApi) -> None:
        backoff = Backoff(first_s=0.5, max_s=30.0)
        while not self._stop.is_set():
            # The pending batch first (same id, same reads), else a new one cut.
            batch = self._spool.batch(self._config.batch_size)
            if batch is None:
                self._wake.wait(self._config.flush_interval_s)
                self._wake.clear()
                continue
            rows = batch.rows
            request = ingest_pb2.SubmitReadsRequest(batch_id=batch.batch_id)
            for _, read in rows:
                request.reads.add().MergeFromString(read)
            try:
                (answer,) = node.ingest.SubmitReads(
                    iter([request]), metadata=node.metadata, timeout=30
                )
            except grpc.RpcError as error:
                self._health.last_error = f"node: {error.code().name} {error.details() or ''}"
                log.warning("adapter.node_unavailable", code=error.code().name)
                if self._stop.wait(backoff.next()):
                    break
                continue  # the reads stay spooled: nothing is dropped while the node is away
            backoff.reset()
            self._answered(rows, answer)
            self._health.add(forwarded=answer.accepted, rejected_by_node=len(answer.rejected))
            if answer.repeated:  # sent again after a restart: the node had it already
                self._health.add(batches_answered_before=1)
            self._health.last_forward_at = datetime.now(UTC).isoformat(timespec="seconds")
            if len(rows) < self._config.batch_size:
                # Let a batch gather rather than send each request's reads on its own.
                self._wake.wait(self._config.flush_interval_s)
                self._wake.clear()


# (body, content type, the camera the gate admitted) -> (reads, images by id, ignored)
Parser = Callable[..., tuple[list[AdapterRead], dict[str, bytes], int]]


def vendor_parser(config: AdapterConfig) -> Parser:
    """(body, content type, camera) -> (reads, images by id, events ignored) for the
    kind. `camera` is the configured camera that pushed (as the gate admitted it)."""
    directions = config.directions or None
    zone = config.naive_zone
    if config.kind == "hikvision":

        def parse_hikvision(body: bytes, content_type: str, camera: str = ""):
            event = hikvision.parse(
                body, content_type, site=config.site, directions=directions, naive_zone=zone
            )
            return event.reads, event.images, int(bool(event.ignored))

        return parse_hikvision
    if config.kind == "axis":
        # One deduplicator per pushing camera: the serial and carID an event names are
        # whatever its sender wrote, so one camera must not be able to mark another's
        # car as seen and have its read dropped.
        dedupers: dict[str, axis.AxisDeduplicator] = {}

        def parse_axis(body: bytes, content_type: str, camera: str = ""):
            if camera not in dedupers:
                dedupers[camera] = axis.AxisDeduplicator(site=config.site)
            read = dedupers[camera].feed(axis.parse(body, naive_zone=zone))
            return ([read] if read else []), {}, int(read is None)

        return parse_axis
    if config.kind == "openalpr":

        def parse_openalpr(body: bytes, content_type: str, camera: str = ""):
            event = openalpr.parse(body, default_site=config.site)
            return list(event.reads), {}, len(event.ignored)

        return parse_openalpr

    if config.kind == "folder":

        def refuse(body: bytes, content_type: str, camera: str = ""):
            raise PayloadError("this adapter takes files dropped into its folder, not pushes")

        return refuse

    def parse_genetec(body: bytes, content_type: str, camera: str = ""):
        batch = genetec.parse(body, site=config.site, directions=directions)
        if batch.errors and not batch.reads:
            raise PayloadError("; ".join(reason for _, reason in batch.errors[:5]))
        return batch.reads, batch.images, len(batch.errors)

    return parse_genetec


class FolderDrop:
    """Files of reads dropped into a folder (for backends that only export): each file
    is parsed, its good reads spooled, its bad lines reported beside it in the
    quarantine, and the file moved to `done/` (or to the quarantine when unusable)."""

    SUFFIXES = (".csv", ".jsonl", ".ndjson", ".json")

    def __init__(
        self,
        config: AdapterConfig,
        keep: Callable[[list[AdapterRead]], bool],
        health: Health,
        leftovers: Leftovers,
    ) -> None:
        assert config.folder is not None  # AdapterConfig requires it for kind "folder"
        self._config = config
        self._folder = config.folder
        self._keep = keep
        self._health = health
        self._leftovers = leftovers
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="folder", daemon=True)

    def start(self) -> None:
        self._thread.start()  # done/ is made by the adapter's Leftovers

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self._config.poll_interval_s):
            for path in sorted(self._folder.iterdir()):
                # Not only regular files: a link or a FIFO is refused by the parser, and
                # moved to the quarantine with the reason, rather than left unexplained.
                if path.suffix in self.SUFFIXES and (path.is_symlink() or not path.is_dir()):
                    self.take(path)

    def take(self, path: Path) -> None:
        self._health.add(received=1)
        try:
            reads, errors = folder_drop.parse_file(
                path, default_site=self._config.site, naive_zone=self._config.naive_zone
            )
        except PayloadError as exc:
            self._refuse(path, str(exc))
            return
        except Exception:  # a parser bug must not stop the folder (nor log a plate)
            log.exception("adapter.parser_failed", kind=self._config.kind)
            self._refuse(path, "internal parser error")
            return
        if not self._keep(reads):
            return  # the spool is full: the file waits for the next round
        if errors:
            self._report(path.name, "bad lines", errors)
            self._health.add(quarantined=1)
        self._health.add(reads=len(reads))
        done = self._folder / "done" / path.name
        path.replace(done)
        self._leftovers.delete_after(done, self._config.retention.keep_no_hit_s)

    def _refuse(self, path: Path, reason: str) -> None:
        self._report(path.name, reason, [])
        kept = self._config.quarantine_dir / path.name
        path.replace(kept)  # the entry itself: a link is moved, never followed
        self._leftovers.delete_after(kept, self._config.retention.keep_quarantined_s)
        self._health.add(quarantined=1)
        log.warning("adapter.quarantined", kind=self._config.kind, reason=reason[:300])

    def _report(self, name: str, reason: str, lines: list[tuple[int, str]]) -> None:
        report = {"reason": reason, "lines": [{"line": n, "reason": r} for n, r in lines]}
        path = self._config.quarantine_dir / f"{name}.reason.json"
        self._leftovers.quarantined(path, json.dumps(report).encode())


class GroupCommit:
    """On the listener's loop: the reads of every request that arrives while the loop
    is busy go into the spool in one transaction (one fsync for many cameras), and each
    request is answered only after that commit."""

    def __init__(
        self, spool: ReadSpool, loop: asyncio.AbstractEventLoop, after: Callable[[], None]
    ) -> None:
        self._spool = spool
        self._loop = loop
        self._after = after
        self._waiting: list[tuple[list[bytes] | Push, asyncio.Future[bool]]] = []

    def keep(self, reads: list[bytes] | Push) -> asyncio.Future[bool]:
        """A future: True once the reads are committed, False if the spool is full."""
        future = self._loop.create_future()
        if not self._waiting:
            self._loop.call_soon(self._commit)
        self._waiting.append((reads, future))
        return future

    def _commit(self) -> None:
        waiting, self._waiting = self._waiting, []
        try:
            kept = self._spool.append([reads for reads, _ in waiting])
        except SpoolError as error:
            log.error("adapter.spool_failed", reason=str(error)[:300])
            for _, future in waiting:
                future.set_exception(error)
            return
        for (_, future), ok in zip(waiting, kept, strict=True):
            future.set_result(ok)
        self._after()


class Adapter:
    def __init__(self, config: AdapterConfig) -> None:
        self.config = config
        # Secrets and TLS files first: a file that cannot be used ends the start here.
        self.gate = CameraGate(config, CameraRegistry.load(config))
        tls = server_context(config.tls) if config.tls is not None else None
        self.health = Health()
        self.spool = ReadSpool(config.spool_path, config.spool_max_reads, config.spool_sync)
        keep = config.retention
        folders = {config.images_dir: keep.keep_no_hit_s}
        folders[config.quarantine_dir] = keep.keep_quarantined_s
        if config.folder is not None:
            folders[config.folder / "done"] = keep.keep_no_hit_s
        self.leftovers = Leftovers(self.spool, keep, folders)
        self.forwarder = Forwarder(config, self.spool, self.health, self.leftovers.answered)
        self._folder = (
            FolderDrop(config, self._keep_now, self.health, self.leftovers)
            if config.kind == "folder"
            else None
        )
        self._parse = vendor_parser(config)
        self._quarantined = itertools.count()  # two payloads in one microsecond: two files
        host, port = config.listen.rsplit(":", 1)
        self._listener = Listener(push_handler(self, self.gate), host, int(port), ssl_context=tls)
        self._group = GroupCommit(self.spool, self._listener.loop, self.forwarder.spooled)

    @property
    def port(self) -> int:
        return self._listener.port

    def start(self) -> None:
        self.leftovers.start()  # first: it makes the folders, owner-only
        self.forwarder.start()
        if self._folder is not None:
            self._folder.start()
        self._listener.start()
        log.info("adapter.started", kind=self.config.kind, port=self.port)

    def stop(self) -> None:
        self._listener.stop()
        if self._folder is not None:
            self._folder.stop()
        self.forwarder.stop()
        self.leftovers.stop()
        self.spool.close()

    async def receive(self, body: bytes, content_type: str, camera: str) -> tuple[int, dict]:
        """(HTTP status, JSON answer) for one payload pushed by `camera` (authenticated
        by the gate); 200 only once its reads are on disk."""
        self.health.add(received=1)
        try:
            reads, images, ignored = self._parse(body, content_type, camera)
        except PayloadError as exc:
            self._quarantine(body, content_type, str(exc))
            return 400, {"error": str(exc)}
        except Exception:  # a parser bug must not take the listener down
            log.exception("adapter.parser_failed", kind=self.config.kind)
            self._quarantine(body, content_type, "internal parser error")
            return 500, {"error": "internal parser error; payload kept in quarantine"}
        if reads:
            # Images under names of the adapter's making (adapters/evidence.py), each read
            # pointing at its image by that name; the images go with their reads into
            # the spool, which keeps them as long as the reads' fate asks
            # (adapters/retention.py).
            created: list[Path] = []
            names = keep_images(self.config.images_dir, camera, images, created)
            reads = [_with_image_ref(r, names) for r in reads]
            stored = {name: self.config.images_dir / name for name in names.values()}
            push = Push(
                [to_pb(r).SerializeToString() for r in reads],
                tie_images([r.image_ref for r in reads], stored),
            )
            try:
                spooled = await self._group.keep(push)
            except SpoolError:
                self.leftovers.discard(created)
                return 503, {"error": "the adapter could not store the reads; retry"}
            if not spooled:
                self.leftovers.discard(created)
                return 503, {"error": "the adapter holds as many reads as it may; retry"}
        self.health.add(reads=len(reads), ignored=ignored)
        return 200, {"accepted": len(reads), "ignored": ignored}

    def too_large(self, content_type: str) -> None:
        self._quarantine(b"", content_type, "too large")

    def health_view(self) -> dict:
        return {
            "kind": self.config.kind,
            **self.health.as_dict(),
            **self.gate.counts,
            "spooled": self.spool.pending,
        }

    def _keep_now(self, reads: list[AdapterRead]) -> bool:
        """For the folder drop's thread: spool reads; False if the spool is full."""
        (kept,) = self.spool.append([[to_pb(r).SerializeToString() for r in reads]])
        self.forwarder.spooled()
        return kept

    def _quarantine(self, body: bytes, content_type: str, reason: str) -> None:
        stamp = f"{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}-{next(self._quarantined)}"
        base = self.config.quarantine_dir / stamp
        self.leftovers.quarantined(base.with_suffix(".body"), body)
        about = {"reason": reason, "content_type": content_type, "bytes": len(body)}
        self.leftovers.quarantined(base.with_suffix(".json"), json.dumps(about).encode())
        self.health.add(quarantined=1)
        self.health.last_error = reason[:300]
        log.warning("adapter.quarantined", kind=self.config.kind, reason=reason[:300])


def _with_image_ref(read: AdapterRead, kept: dict[str, str]) -> AdapterRead:
    ref = image_ref(read.image_ref, kept)
    return read if ref == read.image_ref else dataclasses.replace(read, image_ref=ref)


def run(kind: str, config_path: Path) -> None:
    """Run until interrupted (argos adapter run)."""
    adapter = start_process(lambda: Adapter(AdapterConfig.load(config_path, kind)))
    adapter.start()
    print(f"{kind} adapter listening on port {adapter.port}", flush=True)
    run_until_interrupted(adapter.stop)

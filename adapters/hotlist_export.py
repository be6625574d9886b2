"""Hotlists out to the port's own ANPR backend: follows the node's ExportHotlist (what
the backend may hold, decided by the node) and rewrites the vendor's hotlist file
whenever that changes. The file is replaced whole and atomically, so a backend that
reads it mid-write sees the old list or the new one, never half of either, and it is
its owner's alone (0600 from the first byte: adapters/private_files.py): the backend
reads it as the adapter's user."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import grpc
import structlog

from adapters.exports import axis, genetec, hikvision, nedap
from adapters.exports.model import ExportEntry, ExportError
from adapters.private_files import write_private
from adapters.process import run_until_interrupted, start_process
from adapters.settings import check_one_of, check_positive, load_adapter_settings
from gateway.settings import Settings
from gateway.wire.argos.v1 import admin_pb2
from gateway.wire.local_api import LocalApi

log = structlog.get_logger(__name__)

FORMATS: dict[str, Callable[..., bytes]] = {
    "genetec": genetec.export,
    "hikvision": hikvision.export,
    "axis": axis.export,
    "nedap": nedap.export,
}


class ExportConfig(Settings):
    node_socket: Path
    token_file: Path
    format: str
    output: Path
    list_name: str = "argos"
    interval_s: float = 10.0

    def __post_init__(self) -> None:
        check_one_of("format", self.format, FORMATS)
        check_positive(interval_s=self.interval_s)

    @classmethod
    def load(cls, path: Path) -> ExportConfig:
        return load_adapter_settings(path, cls)


class HotlistExporter:
    def __init__(self, config: ExportConfig) -> None:
        self.config = config
        self.version = ""
        self.written = 0
        self.last_error = ""
        self._stop = threading.Event()
        self._call: grpc.Call | None = None  # the export under way, cancelled by stop()
        self._thread = threading.Thread(target=self._run, name="hotlist-export", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        call = self._call
        if call is not None:
            call.cancel()  # a stop does not wait for an export under way (timeout 120 s)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            try:
                self.refresh()
            except grpc.RpcError as error:
                if self._stop.is_set():
                    return
                self.last_error = f"node: {error.code().name}"
                log.warning("export.node_unavailable", code=error.code().name)
            except ExportError as error:
                # The old file stays in place: a list that cannot be written whole is
                # not written at all (e.g. a Nedap list over the camera's size limit).
                self.last_error = str(error)
                log.warning("export.refused", reason=str(error)[:300])
            if self._stop.wait(self.config.interval_s):
                return

    def refresh(self) -> bool:
        """Ask the node; rewrite the file if the list changed (the node's version also
        changes when an entry expires). True if written."""
        with LocalApi.with_token_file(self.config.node_socket, self.config.token_file) as node:
            self._call = call = node.admin.ExportHotlist(
                admin_pb2.ExportHotlistRequest(known_version=self.version),
                metadata=node.metadata,
                timeout=120,
            )
            try:
                answers = list(call)
            finally:
                self._call = None
        if not answers or answers[0].unchanged:
            return False
        now = datetime.now(UTC)
        entries = [
            ExportEntry(
                entry_id=e.entry_id,
                plate=e.plate,
                country=e.country,
                category=e.category,
                # An action the owner did not share becomes the least demanding one:
                # a backend list needs one, and "report only" never leads to force.
                action=e.action or "report_only",
                flags=tuple(e.flags),
                expires_at=e.expires_at.ToDatetime(tzinfo=UTC),
                owner=e.owner,
                description=e.description,
            )
            for a in answers
            for e in a.entries
        ]
        data = FORMATS[self.config.format](
            entries, list_name=self.config.list_name, generated_at=now
        )
        # Owner-only from the first byte (the list holds plates), replaced whole.
        write_private(self.config.output, data)
        self.version = answers[0].version
        self.written += 1
        log.info("export.written", format=self.config.format, entries=len(entries))
        return True


def run(config_path: Path) -> None:
    """Run until interrupted (argos adapter run hotlist-export)."""
    exporter = HotlistExporter(start_process(lambda: ExportConfig.load(config_path)))
    exporter.start()
    run_until_interrupted(exporter.stop)

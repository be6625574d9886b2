"""This node's signing keys on disk: `node.key` is the key it signs with now; `keys/`
(owner-only) keeps every earlier key and `keys/chain.json`, the node's own key chain
with the signed statements that built it. Implements the services' SigningKeyFolder.

A rotation writes, in this order: the new key's file under keys/, chain.json (through a
temporary file and a rename), then node.key (likewise). A crash between the steps
leaves either the old key current with a chain one key longer (the node then starts
with the chain's head, read from keys/) or the new key current: never a key the chain
does not name.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from gateway.domain.envelope import Envelope
from gateway.domain.identity import NodeSigningKey, PublicNodeKey
from gateway.domain.keychain import ChainKey, KeyChain
from gateway.domain.times import EPOCH, parse_time_text, time_text
from gateway.node.config import NodeConfig, load_signing_key, read_secret
from gateway.wire import codec

KEYS_FOLDER = "keys"
CHAIN_FILE = "chain.json"


def key_file_name(key_id: str) -> str:
    return key_id.replace(":", "-") + ".key"


class KeyFolder:
    def __init__(self, config: NodeConfig) -> None:
        self._node_id = config.node_id
        self._key_path = Path(config.key_path)
        self._folder = Path(config.home) / KEYS_FOLDER

    # -- reading ---------------------------------------------------------------------------

    def chain(self) -> KeyChain:
        """The node's own chain; a node that never rotated has its one key at sequence 0."""
        path = self._folder / CHAIN_FILE
        if not path.is_file():
            return KeyChain.starting_at(
                self._node_id, load_signing_key_at(self._key_path).public, EPOCH
            )
        data = json.loads(path.read_text())
        return KeyChain(self._node_id, tuple(_key_from(k) for k in data["keys"]))

    def current(self) -> NodeSigningKey:
        """The key to sign with: the chain's head (node.key, unless a rotation stopped
        between writing the chain and replacing node.key)."""
        key = load_signing_key_at(self._key_path)
        head = self.chain().head
        if head.key_id == key.key_id:
            return key
        held = self._folder / key_file_name(head.key_id)
        return NodeSigningKey(read_secret(held)) if held.is_file() else key

    def statements(self) -> list[Envelope]:
        path = self._folder / CHAIN_FILE
        if not path.is_file():
            return []
        data = json.loads(path.read_text())
        return [codec.envelope_from_bytes(bytes.fromhex(s)) for s in data.get("statements", [])]

    # -- writing ---------------------------------------------------------------------------

    def install(
        self, new_key: NodeSigningKey | None, chain: KeyChain, statements: list[Envelope]
    ) -> None:
        """Keep the current key under keys/, store `chain` with `statements` added, and
        make `new_key` (if any) the key node.key holds."""
        self._folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(self._folder, 0o700)
        current = load_signing_key_at(self._key_path)
        _keep(self._folder / key_file_name(current.key_id), current.seed.hex().encode())
        if new_key is not None:
            _keep(self._folder / key_file_name(new_key.key_id), new_key.seed.hex().encode())
        held = [codec.envelope_bytes(s).hex() for s in self.statements()]
        held += [codec.envelope_bytes(s).hex() for s in statements]
        document = {"node_id": self._node_id, "keys": [_key_to(k) for k in chain.keys]}
        document["statements"] = held
        _replace(self._folder / CHAIN_FILE, json.dumps(document, indent=1).encode())
        if new_key is not None:
            _replace(self._key_path, new_key.seed.hex().encode())


def load_signing_key_at(path: Path) -> NodeSigningKey:
    return NodeSigningKey(read_secret(path))


def own_chain(config: NodeConfig) -> KeyChain:
    """The node's own chain (for verifying its audit head before it runs)."""
    if not (Path(config.home) / KEYS_FOLDER / CHAIN_FILE).is_file():
        return KeyChain.starting_at(config.node_id, load_signing_key(config).public, EPOCH)
    return KeyFolder(config).chain()


def _keep(path: Path, data: bytes) -> None:
    if path.exists():
        return
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _replace(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".new")
    temporary.unlink(missing_ok=True)
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, path)


def _text(moment) -> str | None:
    return None if moment is None else time_text(moment)


def _time(text: str | None):
    return None if text is None else parse_time_text(text)


def _key_to(k: ChainKey) -> dict:
    return {
        "key_id": k.key_id,
        "public_key": k.key.raw.hex(),
        "sequence": k.sequence,
        "valid_from": time_text(k.valid_from),
        "accept_until": _text(k.accept_until),
        "revoked_since": _text(k.revoked_since),
        "statement_hash": k.statement_hash,
        "introduced_by": k.introduced_by,
        "received_at": _text(k.received_at),
    }


def _key_from(d: dict) -> ChainKey:
    return ChainKey(
        key=PublicNodeKey(bytes.fromhex(d["public_key"])),
        sequence=d["sequence"],
        valid_from=parse_time_text(d["valid_from"]),
        accept_until=_time(d["accept_until"]),
        revoked_since=_time(d["revoked_since"]),
        statement_hash=d["statement_hash"],
        introduced_by=d["introduced_by"],
        received_at=_time(d["received_at"]),
    )

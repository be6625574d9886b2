"""Backup archives of a node: what a restore needs, encrypted as one stream.

An archive holds a consistent copy of the database (taken by the running node), the
node's config, its Ed25519 signing key (with keys/: every earlier signing key and the
node's key chain, so what it signed before a rotation stays verifiable), its
plate-token master secret and its TLS
certificate, key and CA: everything needed to bring the same node back on another
machine. It never holds users' tokens (people keep their own; the database holds only
their hashes) nor the admin socket or logs.

Nothing in it is readable without the passphrase: the tar stream is encrypted with
XChaCha20-Poly1305 secretstream (libsodium, through PyNaCl) under a key derived from
the passphrase with Argon2id; a truncated, reordered or altered archive fails to
decrypt rather than restoring part of a node.

Layout: MAGIC, salt (16), opslimit (u64), memlimit (u64), stream header (24), then
chunks, each a u32 length and its ciphertext; the last chunk carries TAG_FINAL."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import struct
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from nacl import bindings as sodium
from nacl import pwhash
from nacl.exceptions import CryptoError

from gateway.domain.errors import InvalidInput
from gateway.node.config import (
    CONFIG_FILE,
    DB_FILE,
    KEY_FILE,
    TOKEN_KEY_FILE,
    NodeConfig,
    write_private,
)

MAGIC = b"ARGOS-BACKUP-1\n"
CHUNK = 1 << 20
MIN_PASSPHRASE = 16
OPSLIMIT = pwhash.argon2id.OPSLIMIT_MODERATE
MEMLIMIT = pwhash.argon2id.MEMLIMIT_MODERATE
MANIFEST = "manifest.json"
TLS_FOLDER = "tls"
# Archive member -> the NodeConfig setting naming the file it was taken from.
TLS_MEMBERS = {"tls/cert.pem": "tls_cert", "tls/key.pem": "tls_key", "tls/ca.pem": "tls_ca"}
KEYS_FOLDER = "keys"
# keys/<key file> or keys/chain.json: plain names, never a path out of the folder.
_KEYS_MEMBER = re.compile(r"^keys/[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
_FINAL = sodium.crypto_secretstream_xchacha20poly1305_TAG_FINAL
_MESSAGE = sodium.crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
_ABYTES = sodium.crypto_secretstream_xchacha20poly1305_ABYTES


class BackupError(InvalidInput):
    """The archive cannot be used: wrong passphrase, damaged, or not an Argos backup."""


def read_passphrase(path: Path) -> bytes:
    passphrase = path.read_bytes().strip()
    if len(passphrase) < MIN_PASSPHRASE:
        raise InvalidInput(
            f"the backup passphrase in {path} is shorter than {MIN_PASSPHRASE} characters"
        )
    return passphrase


def _key(passphrase: bytes, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    return pwhash.argon2id.kdf(
        sodium.crypto_secretstream_xchacha20poly1305_KEYBYTES,
        passphrase,
        salt,
        opslimit=opslimit,
        memlimit=memlimit,
    )


class _EncryptingWriter(io.RawIOBase):
    """A write-only file that encrypts what it is given in CHUNK-sized messages."""

    def __init__(self, out: BinaryIO, passphrase: bytes) -> None:
        salt = os.urandom(pwhash.argon2id.SALTBYTES)
        self._out = out
        self._state = sodium.crypto_secretstream_xchacha20poly1305_state()
        header = sodium.crypto_secretstream_xchacha20poly1305_init_push(
            self._state, _key(passphrase, salt, OPSLIMIT, MEMLIMIT)
        )
        out.write(MAGIC + salt + struct.pack(">QQ", OPSLIMIT, MEMLIMIT) + header)
        self._buffer = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:
            self._push(bytes(self._buffer[:CHUNK]), _MESSAGE)
            del self._buffer[:CHUNK]
        return len(data)

    def _push(self, plain: bytes, tag: int) -> None:
        sealed = sodium.crypto_secretstream_xchacha20poly1305_push(self._state, plain, tag=tag)
        self._out.write(struct.pack(">I", len(sealed)) + sealed)

    def finish(self) -> None:
        self._push(bytes(self._buffer), _FINAL)
        self._buffer.clear()


def _decrypted_chunks(source: BinaryIO, passphrase: bytes) -> Iterator[bytes]:
    if source.read(len(MAGIC)) != MAGIC:
        raise BackupError("this file is not an Argos node backup")
    salt = source.read(pwhash.argon2id.SALTBYTES)
    opslimit, memlimit = struct.unpack(">QQ", source.read(16))
    if opslimit > pwhash.argon2id.OPSLIMIT_SENSITIVE or memlimit > (
        pwhash.argon2id.MEMLIMIT_SENSITIVE
    ):
        raise BackupError("the backup asks for more key-derivation work than allowed")
    header = source.read(sodium.crypto_secretstream_xchacha20poly1305_HEADERBYTES)
    state = sodium.crypto_secretstream_xchacha20poly1305_state()
    sodium.crypto_secretstream_xchacha20poly1305_init_pull(
        state, header, _key(passphrase, salt, opslimit, memlimit)
    )
    while True:
        size = source.read(4)
        if len(size) < 4:
            raise BackupError("the backup is truncated (its final chunk is missing)")
        (length,) = struct.unpack(">I", size)
        if length > CHUNK + _ABYTES:
            raise BackupError("the backup is damaged (a chunk is too long)")
        sealed = source.read(length)
        try:
            plain, tag = sodium.crypto_secretstream_xchacha20poly1305_pull(state, sealed)
        except CryptoError:
            raise BackupError(
                "cannot decrypt the backup: wrong passphrase, or the file was altered"
            ) from None
        yield plain
        if tag == _FINAL:
            if source.read(1):
                raise BackupError("the backup has data after its final chunk")
            return


class _DecryptingReader(io.RawIOBase):
    def __init__(self, source: BinaryIO, passphrase: bytes) -> None:
        self._chunks = _decrypted_chunks(source, passphrase)
        self._buffer = b""

    def readable(self) -> bool:
        return True

    def readinto(self, target) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._buffer = chunk
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self._buffer = self._buffer[n:]
        return n


@dataclass(frozen=True)
class BackupManifest:
    node_id: str
    created_at: str
    audit_seq: int
    database_sha256: str

    def as_json(self) -> bytes:
        return json.dumps(vars(self), sort_keys=True).encode()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(CHUNK), b""):
            digest.update(block)
    return digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), 0o600
    tar.addfile(info, io.BytesIO(data))


def write_archive(
    out_path: Path, config: NodeConfig, snapshot: Path, audit_seq: int, passphrase: bytes
) -> BackupManifest:
    """Package the snapshot and the node's files into an encrypted archive (a new file,
    owner-only)."""
    manifest = BackupManifest(
        node_id=config.node_id,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        audit_seq=audit_seq,
        database_sha256=_sha256(snapshot),
    )
    fd = os.open(out_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            writer = _EncryptingWriter(out, passphrase)
            with tarfile.open(fileobj=writer, mode="w|", format=tarfile.PAX_FORMAT) as tar:
                _add_bytes(tar, MANIFEST, manifest.as_json())
                _add_bytes(tar, CONFIG_FILE, (config.home / CONFIG_FILE).read_bytes())
                _add_bytes(tar, KEY_FILE, config.key_path.read_bytes())
                _add_bytes(tar, TOKEN_KEY_FILE, config.token_key_path.read_bytes())
                for path in _token_epoch_files(config.home):  # rotated token secrets
                    _add_bytes(tar, path.name, path.read_bytes())
                for member, attribute in TLS_MEMBERS.items():
                    _add_bytes(tar, member, Path(getattr(config, attribute)).read_bytes())
                keys = config.home / KEYS_FOLDER
                if keys.is_dir():
                    for path in sorted(keys.iterdir()):
                        if path.is_file() and _KEYS_MEMBER.match(f"{KEYS_FOLDER}/{path.name}"):
                            _add_bytes(tar, f"{KEYS_FOLDER}/{path.name}", path.read_bytes())
                tar.add(snapshot, arcname=DB_FILE, recursive=False)
            writer.finish()
    except BaseException:
        out_path.unlink(missing_ok=True)
        raise
    return manifest


# The token secrets of epochs after a rotation (gateway/node/token_secrets.py).
_TOKEN_EPOCH_FILE = re.compile(re.escape(TOKEN_KEY_FILE) + r"\.[1-9][0-9]{0,8}")


def _token_epoch_files(home: Path) -> list[Path]:
    return sorted(
        p for p in home.glob(f"{TOKEN_KEY_FILE}.*") if _TOKEN_EPOCH_FILE.fullmatch(p.name)
    )


def _config_with_tls_in(text: str, home: Path) -> str:
    """The archived node.toml with its TLS paths pointing at the restored copies."""
    for member, key in TLS_MEMBERS.items():
        line = f"{key} = {json.dumps(str((home / member).resolve()))}"
        text, n = re.subn(rf"(?m)^{key}\s*=.*$", line.replace("\\", "\\\\"), text)
        if n != 1:
            raise BackupError(f"the archived {CONFIG_FILE} lacks its {key} setting")
    return text


def extract_archive(archive: Path, home: Path, passphrase: bytes) -> BackupManifest:
    """Decrypt an archive into a new node folder; the database is checked against the
    manifest before the folder counts as restored."""
    if (home / CONFIG_FILE).exists() or (home / DB_FILE).exists():
        raise InvalidInput(f"{home} already holds a node; restore into a new folder")
    try:
        return _extract(archive, home, passphrase)
    except BaseException:
        # Leave no half-restored node behind: a second try starts clean.
        for name in (DB_FILE, KEY_FILE, TOKEN_KEY_FILE, CONFIG_FILE, *TLS_MEMBERS):
            (home / name).unlink(missing_ok=True)
        shutil.rmtree(home / KEYS_FOLDER, ignore_errors=True)
        for path in _token_epoch_files(home):
            path.unlink()
        raise


def _extract(archive: Path, home: Path, passphrase: bytes) -> BackupManifest:
    home.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(home, 0o700)
    (home / TLS_FOLDER).mkdir(mode=0o700, exist_ok=True)
    files: dict[str, bytes] = {}
    with archive.open("rb") as source:
        reader = io.BufferedReader(_DecryptingReader(source, passphrase), CHUNK)
        with tarfile.open(fileobj=reader, mode="r|") as tar:
            for member in tar:
                if not member.isfile():
                    raise BackupError(f"unexpected archive member {member.name!r}")
                data = tar.extractfile(member)
                assert data is not None
                if member.name == DB_FILE:
                    fd = os.open(home / DB_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as f:
                        shutil.copyfileobj(data, f, CHUNK)
                elif member.name in (MANIFEST, CONFIG_FILE, KEY_FILE, TOKEN_KEY_FILE) or (
                    member.name in TLS_MEMBERS
                    or _KEYS_MEMBER.match(member.name)
                    or _TOKEN_EPOCH_FILE.fullmatch(member.name)
                ):
                    files[member.name] = data.read()
                else:
                    raise BackupError(f"unexpected archive member {member.name!r}")
    missing = {MANIFEST, CONFIG_FILE, KEY_FILE, TOKEN_KEY_FILE, *TLS_MEMBERS} - set(files)
    if missing or not (home / DB_FILE).is_file():
        raise BackupError(f"the backup lacks {', '.join(sorted(missing)) or DB_FILE}")
    manifest = BackupManifest(**json.loads(files[MANIFEST]))
    if _sha256(home / DB_FILE) != manifest.database_sha256:
        raise BackupError("the restored database does not match the backup's manifest")
    epochs = [name for name in files if _TOKEN_EPOCH_FILE.fullmatch(name)]
    for name in (KEY_FILE, TOKEN_KEY_FILE, *TLS_MEMBERS, *epochs):
        write_private(home / name, files[name])
    kept_keys = sorted(name for name in files if name.startswith(f"{KEYS_FOLDER}/"))
    if kept_keys:
        (home / KEYS_FOLDER).mkdir(mode=0o700, exist_ok=True)
        for name in kept_keys:
            write_private(home / name, files[name])
    text = _config_with_tls_in(files[CONFIG_FILE].decode(), home)
    (home / CONFIG_FILE).write_text(text)
    return manifest

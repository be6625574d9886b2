"""The cameras' secrets, read once at start from the owner-only files the settings name,
and checked the one way that leaks nothing through timing: `hmac.compare_digest`.

A secret is never logged, never shown in an error and never kept anywhere but here.
Every refusal says which setting to fix, never what the file holds."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

from adapters.edge.settings import CameraSettings, EdgeSettings
from gateway.domain.errors import InvalidInput

MIN_SECRET = 12  # characters; Hikvision takes at most 16 for an HTTP host's password


@dataclass(frozen=True, slots=True, repr=False)
class Camera:
    """One configured camera with what it must present."""

    camera_id: str
    settings: CameraSettings
    secret: bytes = b""  # password or shared secret; b"" for a client certificate alone

    @property
    def needs_password(self) -> bool:
        return bool(self.settings.user or self.settings.secret_header)

    @property
    def needs_certificate(self) -> bool:
        return bool(self.settings.client_cert_name)

    def __repr__(self) -> str:  # never show the secret
        return f"Camera({self.camera_id!r})"


@dataclass(frozen=True, slots=True, repr=False)
class CameraRegistry:
    """Every configured camera, found by what it presents."""

    cameras: dict[str, Camera]
    by_user: dict[str, Camera] = field(default_factory=dict)
    by_certificate_name: dict[str, Camera] = field(default_factory=dict)
    # header name (lower case) -> SHA-256 of a secret -> camera. Looking the secret up by
    # its hash costs the same whatever it is; the camera's own secret is then compared
    # with compare_digest all the same.
    by_header_secret: dict[str, dict[bytes, Camera]] = field(default_factory=dict)

    @classmethod
    def load(cls, settings: EdgeSettings) -> CameraRegistry:
        """Read every camera's secret file; InvalidInput names the key to fix."""
        registry = cls(cameras={})
        for camera_id, camera_settings in settings.cameras.items():
            secret = b""
            if camera_settings.secret_file is not None:
                secret = read_secret(
                    camera_settings.secret_file, f"cameras.{camera_id}.secret_file"
                )
            camera = Camera(camera_id, camera_settings, secret)
            registry.cameras[camera_id] = camera
            if camera_settings.user:
                registry.by_user[camera_settings.user] = camera
            if camera_settings.client_cert_name:
                registry.by_certificate_name[camera_settings.client_cert_name] = camera
            if camera_settings.secret_header:
                by_secret = registry.by_header_secret.setdefault(
                    camera_settings.secret_header.lower(), {}
                )
                digest = hashlib.sha256(secret).digest()
                if digest in by_secret:
                    raise InvalidInput(
                        f"cameras.{camera_id}.secret_file: the same secret as camera "
                        f"{by_secret[digest].camera_id}'s; give each camera its own"
                    )
                by_secret[digest] = camera
        return registry

    def by_header(self, name: str, presented: bytes) -> Camera | None:
        camera = self.by_header_secret.get(name, {}).get(hashlib.sha256(presented).digest())
        if camera is None or not hmac.compare_digest(camera.secret, presented):
            return None
        return camera


def password_matches(camera: Camera | None, presented: bytes) -> bool:
    """Whether `presented` is the camera's password, in time that does not depend on
    where they differ nor (for an unknown user) on whether the user exists."""
    expected = camera.secret if camera is not None else b"\0" * MIN_SECRET
    return hmac.compare_digest(expected, presented) and camera is not None


def read_secret(path: Path, key: str) -> bytes:
    """The secret in an owner-only file of this process's user (one line; a trailing
    newline is not part of it)."""
    try:
        info = path.lstat()
    except FileNotFoundError:
        raise InvalidInput(f"{key}: {path} does not exist") from None
    if not stat.S_ISREG(info.st_mode):
        raise InvalidInput(f"{key}: {path} is not a regular file")
    if info.st_uid != os.geteuid():
        raise InvalidInput(f"{key}: {path} belongs to another user")
    if info.st_mode & 0o077:
        raise InvalidInput(
            f"{key}: {path} is readable by others (mode {info.st_mode & 0o777:o}); "
            "run chmod 600 on it"
        )
    secret = path.read_bytes().rstrip(b"\r\n")
    if len(secret) < MIN_SECRET:
        raise InvalidInput(f"{key}: the secret in {path} is shorter than {MIN_SECRET} characters")
    if b"\n" in secret or b"\r" in secret:
        raise InvalidInput(f"{key}: {path} must hold the secret on one line")
    return secret


def check_owner_only(path: Path, key: str) -> None:
    """A private key file (the listener's TLS key) must be the process user's alone."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InvalidInput(f"{key}: {path} does not exist") from None
    if info.st_mode & 0o077:
        raise InvalidInput(
            f"{key}: {path} is readable by others (mode {info.st_mode & 0o777:o}); "
            "run chmod 600 on it"
        )

"""The plaintext scheme, for agreements that explicitly allow it: the normalised plate
and country leave as they are; the recipient looks readings up by plate and country,
as it does in its own list, and may give the plates to its own ANPR backend."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gateway.domain.agreement import MatchingMode
from gateway.domain.errors import AgreementViolation
from gateway.domain.matching import HotlistIndex, plain_key
from gateway.domain.schemes import SharedPlate

if TYPE_CHECKING:
    from gateway.domain.minimise import MinimisedEntry
    from gateway.domain.plates import Plate


class PlaintextScheme:
    mode = MatchingMode.PLAINTEXT
    key_from_provider = False
    keyed_by_master = False
    gives_plaintext = True

    def shared_plate(self, plate: Plate, key: bytes) -> SharedPlate:
        return SharedPlate(None, plate.normalised, plate.country, False)

    def provider_key(self, master: bytes, agreement_id: str, version: int) -> bytes:
        return b""

    def check_shared(self, m: MinimisedEntry) -> None:
        if m.plate is None or m.plate_token is not None or m.country_unknown:
            raise AgreementViolation(f"entry {m.entry_id} must carry a plaintext plate")

    def index(self, list_id: str, owner: str, keys: tuple[bytes, ...]) -> HotlistIndex:
        return HotlistIndex(list_id, owner)

    def index_key(
        self, plate_token: bytes | None, plate: str | None, country: str | None
    ) -> object | None:
        return plain_key(plate, country or "") if plate is not None else None


PLAINTEXT = PlaintextScheme()

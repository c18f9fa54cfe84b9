"""A facility as one organization sees it (its overlay merged over a shared row). Its own module so that the
schemas (``FacilityPublic.of``) and the overlay's use cases can both use it without importing each other."""

from __future__ import annotations

import uuid
from typing import Any

from app.custody.models import Facility, FacilityOverlay


class MergedFacility:
    """A facility as one organization sees it: the row, with that organization's overlay merged over a
    shared row (an overlay value wins when set; the shared value shows through otherwise). Read-only, and
    never added to a session, so nothing of the overlay can be written into the shared row. Attributes
    other than the overlay's are the row's."""

    __slots__ = ("overlay", "row")
    _MERGED = ("custodian_name", "custodian_title", "phone")

    def __init__(self, row: Facility, overlay: FacilityOverlay | None = None) -> None:
        object.__setattr__(self, "row", row)
        object.__setattr__(self, "overlay", overlay if row.organization_id is None else None)

    def __getattr__(self, name: str) -> Any:  # only for names that are not defined below
        return getattr(self.row, name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("a merged facility is read-only")

    def _pick(self, name: str) -> Any:
        value = getattr(self.overlay, name) if self.overlay is not None else None
        return value if value is not None else getattr(self.row, name)

    @property
    def custodian_name(self) -> str | None:
        return self._pick("custodian_name")  # type: ignore[no-any-return]

    @property
    def custodian_title(self) -> str | None:
        return self._pick("custodian_title")  # type: ignore[no-any-return]

    @property
    def phone(self) -> str | None:
        return self._pick("phone")  # type: ignore[no-any-return]

    @property
    def notes(self) -> str | None:
        return self.overlay.notes if self.overlay is not None else None

    @property
    def verified_by(self) -> uuid.UUID | None:
        return self.overlay.verified_by if self.overlay is not None else None

    @property
    def verified_at(self) -> Any:
        return self.overlay.verified_at if self.overlay is not None else None

    @property
    def shared(self) -> bool:
        return self.row.organization_id is None

    @property
    def overlay_version(self) -> int | None:
        """The version an If-Match on a shared facility refers to (0: no overlay yet); None for own rows."""
        if not self.shared:
            return None
        return self.overlay.version if self.overlay is not None else 0

    @property
    def overlay_fields(self) -> list[str]:
        if self.overlay is None:
            return []
        names = (*self._MERGED, "notes", "verified_by", "verified_at")
        return [n for n in names if getattr(self.overlay, n) is not None]

    @property
    def etag_version(self) -> int:
        ov = self.overlay_version
        return ov if ov is not None else self.row.version

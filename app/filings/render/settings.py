"""Settings of the render part, read from the environment (and `.env`) like the application's own.

They live here rather than in `app.core.config` so the render package stays self-contained:

- ``PDF_VARIANT`` (default ``pdf/a-2b``): the PDF flavour every filing is written in. ``none`` writes a
  plain PDF 1.7 (an escape hatch if a court's system ever rejects PDF/A; none is known to).
- ``FILING_SCRIPT_FONTS_DIR`` (default unset): a folder of extra font files for names in scripts the
  bundled serif does not cover (Arabic, CJK, Ethiopic...). See docs/filings-output.md.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PDF_VARIANTS = ("pdf/a-2b",)
DEFAULT_PDF_VARIANT = "pdf/a-2b"


class RenderSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    pdf_variant: str | None = DEFAULT_PDF_VARIANT
    filing_script_fonts_dir: Path | None = None

    @field_validator("pdf_variant", mode="before")
    @classmethod
    def _variant(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and value.strip().lower() in ("", "none", "off")):
            return None
        if value not in PDF_VARIANTS:
            raise ValueError(f"PDF_VARIANT must be one of {PDF_VARIANTS} or 'none'")
        return value


@lru_cache(maxsize=1)
def get_render_settings() -> RenderSettings:
    return RenderSettings()

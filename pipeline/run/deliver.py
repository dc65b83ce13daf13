"""``-o FILE``: one track of a finished run, copied to where the user asked for it.

The run writes every track into its work folder as usual (so the next run reuses its stages);
this picks the one track the file name asks for and writes it atomically to FILE. A language
code before the extension picks the track (``ep.zh.srt``, ``ep.en-zh.srt``); otherwise it is the
spoken language's track (``align``) or the translation's (``retime``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import OutputError, output_error
from pipeline.lang import is_code
from pipeline.run import artifacts as art
from pipeline.run.config import PipelineConfig
from pipeline.run.context import Context


@dataclass(frozen=True)
class Delivered:
    """Which track went to the file, in words for the user."""

    code: str
    path: Path

    @property
    def note(self) -> str:
        return f"wrote the {self.code} track"


def _codes(files: Sequence[str], stem: str, fmt: str) -> dict[str, str]:
    """Track code -> file name, for the tracks written in ``fmt``."""
    out: dict[str, str] = {}
    for name in files:
        if name.startswith(stem + ".") and name.endswith("." + fmt):
            code = name[len(stem) + 1 : -len(fmt) - 1]
            if code and "." not in code:
                out[code] = name
    return out


def deliver_track(
    cfg: PipelineConfig, files: Sequence[str], dest: Path, fmt: str, wanted: str | None
) -> Delivered:
    """Copy the track ``dest`` asks for from the run's folder to ``dest``.

    Raises:
        OutputError: when the run wrote no such track, or ``dest`` cannot be written.
    """
    ctx = Context(cfg)
    codes = _codes(files, ctx.stem, fmt)
    if wanted in codes or (wanted is not None and is_code(wanted)):
        code = wanted
    elif cfg.translation_only:
        mono = sorted(c for c in codes if "-" not in c)
        code = mono[0] if mono else ""
    else:
        code = ctx.words().language
    if code not in codes:
        raise OutputError(
            f"this run wrote no {code or 'translation'} track in {fmt}",
            path=dest,
            hint=f"tracks written: {', '.join(sorted(codes)) or 'none'}; name one before the "
            f"extension (e.g. {dest.stem}.{next(iter(sorted(codes)), 'en')}.{fmt})",
        )
    try:
        art.atomic_write_bytes(dest, (ctx.dir / codes[code]).read_bytes())
    except OSError as exc:
        raise output_error(exc, dest) from exc
    return Delivered(code, dest)

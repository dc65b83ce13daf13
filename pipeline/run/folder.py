"""A folder of episodes as a batch: audio and transcripts paired by file stem.

``ep1.mp3`` + ``ep1.txt`` is one episode; ``ep1.zh.txt`` and ``ep1.ru.txt`` beside them are its
translations (a language code before the extension); ``ep1.en.txt`` is the transcript when there
is no ``ep1.txt``. Audio is any file FFmpeg reads by one of :data:`AUDIO_EXTENSIONS`, video
included. Every problem (an audio file with no transcript, two transcripts for one stem) is
listed at once, as a manifest's are, before any episode starts.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import ConfigError
from pipeline.lang import is_code
from pipeline.run.manifest import EpisodeSpec, Manifest, ManifestError

AUDIO_EXTENSIONS = (
    ".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".opus", ".wma",
    ".mp4", ".m4v", ".mkv", ".mov", ".webm", ".avi",
)  # fmt: skip
TEXT_EXTENSIONS = (".txt", ".md", ".srt", ".vtt", ".json")


def _split(name: str) -> tuple[str, str | None]:
    """``ep1.zh.txt`` -> (``ep1``, ``zh``); ``ep1.txt`` -> (``ep1``, None)."""
    stem = name.rsplit(".", 1)[0]
    base, dot, code = stem.rpartition(".")
    if dot and is_code(code):
        return base, code
    return stem, None


def load_folder(folder: Path) -> Manifest:
    """Every episode of ``folder``, paired by file stem.

    Raises:
        ManifestError: listing every problem found (the folder is not changed).
        ConfigError: when the folder cannot be read.
    """
    try:
        files = sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    except OSError as exc:
        raise ConfigError(f"cannot read the folder ({exc.strerror or exc})", path=folder) from exc
    audio = {p.stem: p for p in files if p.suffix.lower() in AUDIO_EXTENSIONS}
    texts: dict[str, dict[str | None, list[Path]]] = {}
    for p in files:
        if p.suffix.lower() in TEXT_EXTENSIONS:
            stem, code = _split(p.name)
            texts.setdefault(stem, {}).setdefault(code, []).append(p)
    problems: list[ConfigError] = []
    episodes: list[EpisodeSpec] = []
    for stem, media in sorted(audio.items()):
        found = texts.get(stem, {})
        plain = found.get(None, []) or found.get("en", [])
        if not plain:
            problems.append(
                ConfigError(
                    f"{media.name} has no transcript beside it",
                    path=media,
                    hint=f"add {stem}.txt (or {stem}.srt/.vtt/.json), or move the audio out",
                )
            )
            continue
        if len(plain) > 1:
            names = ", ".join(p.name for p in plain)
            problems.append(
                ConfigError(
                    f"{media.name} has {len(plain)} transcripts ({names})",
                    path=media,
                    hint="keep one; translations take a language code: ep1.zh.txt",
                )
            )
            continue
        transcript = plain[0]
        translations = tuple(
            p
            for code, paths in sorted((c, ps) for c, ps in found.items() if c is not None)
            for p in paths
            if p != transcript
        )
        translations = tuple(p.resolve() for p in translations)
        episodes.append(EpisodeSpec(stem, media.resolve(), transcript.resolve(), translations))
    if not episodes and not problems:
        problems.append(
            ConfigError(
                "the folder holds no episode audio",
                path=folder,
                hint=f"put audio ({', '.join(AUDIO_EXTENSIONS[:4])}, ...) and a transcript with "
                "the same name in it, or give a manifest",
            )
        )
    if problems:
        raise ManifestError.collect(folder, problems, what="folder")
    return Manifest(folder.resolve(), tuple(episodes))

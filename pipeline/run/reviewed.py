"""What the review page adds to two stage results: the corrections the segment stage applied
(:class:`CorrectionsUsed`) and the audio proxy the report stage made (:class:`ProxyMade`).

Frozen records with one JSON codec each, like every record of :mod:`pipeline.run.results`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from pipeline.review.corrections import Applied, Correction, Stale
from pipeline.run.artifacts import Json, JsonObject, as_int, as_list, as_object, as_str


@dataclass(frozen=True)
class CorrectionsUsed:
    """What the segment stage did with a corrections file (see pipeline.review.corrections).

    Attributes:
        file: the file read.
        entries: every correction in it, in file order (the review page re-exports them).
        applied: the entries that set a cue, and which.
        stale: the entries that matched no cue, and why.
        checked: (track, cue) -> the flags a person marked checked there.
    """

    file: str
    entries: tuple[Correction, ...]
    applied: tuple[Applied, ...] = ()
    stale: tuple[Stale, ...] = ()
    checked: Mapping[tuple[str, int], tuple[str, ...]] = field(default_factory=dict)

    def to_json(self) -> JsonObject:
        return {
            "file": self.file,
            "entries": [c.to_json() for c in self.entries],
            "applied": [[a.entry, a.track, a.cue] for a in self.applied],
            "stale": [[s.entry, s.track, s.text, s.why] for s in self.stale],
            "checked": [[t, k, list(r)] for (t, k), r in sorted(self.checked.items())],
        }

    @classmethod
    def from_json(cls, value: Json) -> CorrectionsUsed:
        d = as_object(value)
        applied = (as_list(a) for a in as_list(d["applied"]))
        stale = (as_list(s) for s in as_list(d["stale"]))
        checked = (as_list(c) for c in as_list(d["checked"]))
        return cls(
            as_str(d["file"]),
            tuple(Correction.from_json(e) for e in as_list(d["entries"])),
            tuple(Applied(as_int(e), as_str(t), as_int(k)) for e, t, k in applied),
            tuple(Stale(as_int(e), as_str(t), as_str(x), as_str(w)) for e, t, x, w in stale),
            {(as_str(t), as_int(k)): tuple(as_str(r) for r in as_list(rs)) for t, k, rs in checked},
        )


@dataclass(frozen=True)
class ProxyMade:
    """The review page's audio proxy and waveform peaks, kept so that a later report made for
    the same audio need not decode and encode it again.

    Attributes:
        name: the proxy's file name (beside the page).
        sha256: the proxy file's hash (a changed or missing file is made again).
        audio_sha256: the episode audio it was made from.
        bitrate: the encoder's bitrate.
        bin_ms: ms per waveform peak.
        peaks: the peaks, base64 (see pipeline.review.peaks).
    """

    name: str
    sha256: str
    audio_sha256: str
    bitrate: str
    bin_ms: int
    peaks: str

    def to_json(self) -> JsonObject:
        return {
            "name": self.name,
            "sha256": self.sha256,
            "audio_sha256": self.audio_sha256,
            "bitrate": self.bitrate,
            "bin_ms": self.bin_ms,
            "peaks": self.peaks,
        }

    @classmethod
    def from_json(cls, value: Json) -> ProxyMade:
        d = as_object(value)
        return cls(
            as_str(d["name"]),
            as_str(d["sha256"]),
            as_str(d["audio_sha256"]),
            as_str(d["bitrate"]),
            as_int(d["bin_ms"]),
            as_str(d["peaks"]),
        )

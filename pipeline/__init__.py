"""subweave: force-align transcripts and translations to episode audio, emit subtitles."""

from pipeline.errors import PipelineError
from pipeline.model import Cue, Document, Recognition, Sentence, TimedWord, Track, Turn, Word

__version__ = "0.1.0"

__all__ = [
    "Cue",
    "Document",
    "PipelineError",
    "Recognition",
    "Sentence",
    "TimedWord",
    "Track",
    "Turn",
    "Word",
    "__version__",
]

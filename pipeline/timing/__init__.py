"""Timing: the forced-alignment engine and what it is built from.

* :mod:`pipeline.timing.regions` decides which audio the windows hear (speech regions, gaps
  that are not quiet, widened edges);
* :mod:`pipeline.timing.windows` plans encoder windows on them: whole regions packed densely
  (pauses shortened, long silences never encoded), cut at pauses;
* :mod:`pipeline.timing.forced` forces the known transcript through Whisper window by window
  (CTranslate2 ``Whisper.align``), keeps each word's decoder probability as its confidence, and
  hands windows where the text does not fit the audio to the transcription fallback;
* :mod:`pipeline.timing.pauses` moves a forced word's start past the pause (or unwritten
  filler) the alignment path gave it;
* :mod:`pipeline.timing.onsets` moves word starts onto the acoustic onsets near them (the
  refine stage).

The transcribe-then-match engine (:mod:`pipeline.timing.matching`) is the fallback and stays
selectable (``align.engine: transcribe``). Both engines share the records of
:mod:`pipeline.timing.records` (options, transcript words, the result).

Whisper itself: :mod:`pipeline.timing.models` resolves a model name offline and loads it once;
:mod:`pipeline.timing.transcribe` recognises words in the vad stage's speech regions (the
transcribe stage); :mod:`pipeline.timing.whisper` types the faster-whisper and CTranslate2
objects these use.
"""

"""Timing: the forced-alignment engine and what it is built from.

* :mod:`pipeline.timing.windows` plans encoder windows on the speech regions: whole regions
  packed densely (pauses shortened, long silences never encoded), cut at pauses;
* :mod:`pipeline.timing.forced` forces the known transcript through Whisper window by window
  (CTranslate2 ``Whisper.align``), keeps each word's decoder probability as its confidence, and
  hands windows where the text does not fit the audio to the transcription fallback;
* :mod:`pipeline.timing.onsets` moves word starts onto the acoustic onsets near them.

The transcribe-then-match engine (:mod:`pipeline.align`) is the fallback and stays selectable
(``align.engine: transcribe``).
"""

"""Subtitles: from timed text to delivered, checked subtitle files.

* :mod:`.rules`: the style guides' numbers as data (Netflix, BBC; per language; shot changes).
* :mod:`.lines`: where a line may break; :mod:`.segment`: cues from timed words and sentences.
* :mod:`.stacking`: bilingual tracks (a translation under the source cues, same times).
* :mod:`.dialogue`: dialogue dashes for two speakers; :mod:`.shots`: cues timed to shot changes.
* :mod:`.formats`: the writers (SRT, WebVTT, ASS, TTML/IMSC, JSON); :mod:`.lint`: the checks.
"""

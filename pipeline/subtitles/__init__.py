"""Subtitles: style rules as data, line breaking, cues, stacking, file formats and lint."""

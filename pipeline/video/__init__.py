"""The picture of a video input: shot changes (:mod:`.detect`) and their records (:mod:`.records`).

Only video input has a picture; audio-only input never reaches this package's decoder. The
subtitle rules that use shot changes live in :mod:`pipeline.subtitles.shots`.
"""

"""Audio: decoding any audio or video file, finding where speech is, and the review page's proxy.

* :mod:`.decode`: any file FFmpeg reads to 16 kHz mono float32 (PyAV), hashed; the Audio record.
* :mod:`.speech`: speech regions (Silero VAD), found once per run by the vad stage.
* :mod:`.proxy`: the small mono MP3 the review page plays (pydub).
"""

"""Audio: decoding any audio or video file, and finding where speech is."""

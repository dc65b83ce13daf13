"""Benchmark helpers: synthetic speech with known word timing, so alignment can be scored."""

"""Translation: embeddings, sentence beads, re-timing of translated text and subtitle files."""

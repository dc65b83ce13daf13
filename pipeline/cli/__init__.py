"""The ``subweave`` command line: typer commands only.

They parse options, call the library and map errors to exit codes; no domain logic lives here.
:mod:`.app` (the application, ``-v``/``-q``/``--version``), :mod:`.options` (the options align
and retime share), :mod:`.episode` (align, retime, run), :mod:`.inspect` (parse, lint, models),
:mod:`.batch`, :mod:`.console` (what is printed), :mod:`.main` (the entry point).
"""

from pipeline.cli.main import app, main

__all__ = ["app", "main"]

"""The ``subweave`` application object and its root options (``-v``, ``-q``, ``--version``).

Commands live by what they do (:mod:`.episode`: align, retime, run; :mod:`.inspect`: parse,
lint, models; :mod:`.batch`) and are registered on :data:`app` by :mod:`pipeline.cli.main`.
"""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from pipeline import __version__
from pipeline.cli.console import SESSION, out_console


def _arguments_as_words() -> None:
    """Show arguments as click does (``AUDIO``), not as typer 0.29 does (``{audio} <path>``).

    Typer's plain help wraps a required argument's name in braces and adds its Python type;
    a user reads ``AUDIO`` as the thing to type. Only presentation changes; a typer without
    these hooks is left alone.
    """
    from typer import core

    argument = getattr(core, "TyperArgument", None)
    if argument is None or not hasattr(argument, "_usage_display_name"):
        return

    def listed(self: object) -> str:
        return str(getattr(self, "display_name_raw", "")).upper()

    def usage(self: object) -> str:
        name = listed(self) if getattr(self, "required", True) else f"[{listed(self)}]"
        return name + ("..." if getattr(self, "nargs", 1) != 1 else "")

    def no_type(self: object, ctx: object) -> None:
        return None

    setattr(argument, "_usage_display_name", usage)  # noqa: B010
    setattr(argument, "_rich_display_name", listed)  # noqa: B010
    setattr(argument, "display_type_rich", no_type)  # noqa: B010


_arguments_as_words()

app = typer.Typer(
    name="subweave",
    help=(
        "Force-align transcripts and translations to episode audio and write subtitles.\n\n"
        "Examples:\n\n"
        "  subweave align media/sample.mp3 media/sample.en-zh.txt --out outputs/sample\n\n"
        "  subweave align episode.mp4 transcript.txt -o episode.en.srt --profile bbc\n\n"
        "  subweave retime media/sample.mp3 media/sample.zh.txt --out outputs/sample-zh\n\n"
        "  subweave batch episodes/ --out outputs/season1 --model base\n\n"
        "  subweave run configs/default.yaml --set asr.model=tiny.en\n\n"
        "  subweave parse transcript.txt --json\n\n"
        "  subweave lint outputs/sample/sample.zh.srt --lang zh"
    ),
    no_args_is_help=True,
    rich_markup_mode=None,  # plain click help: metavars as words (AUDIO, FILE), no <bool>
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"subweave {__version__}", highlight=False)
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="Log every decision the stages make.")
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print nothing but errors.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    SESSION.quiet = quiet and not verbose
    SESSION.verbose = verbose
    level = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", force=True)
    for noisy in ("faster_whisper", "httpx", "huggingface_hub"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    # The runner's stage lines are printed by the commands; logging them too doubled them.
    logging.getLogger("pipeline.run.runner").setLevel(logging.WARNING)

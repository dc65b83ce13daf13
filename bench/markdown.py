"""One section of a Markdown report replaced in place: how every bench writes its figures.

Each bench owns one ``## Heading`` section of bench/RESULTS.md (or of its own report); writing it
again replaces that section and keeps everything else, so benches can run in any order.
"""

from __future__ import annotations

from pathlib import Path


def splice_section(path: Path, heading: str, body: str) -> None:
    """Replace the section that starts with ``heading`` (or append it at the end).

    The section runs to the next ``## `` heading or ``<!-- `` marker, which stay as they are.
    """
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    section = f"{heading}\n\n{body.rstrip()}\n"
    at = text.find(heading + "\n")
    if at < 0:
        path.write_text(text.rstrip() + "\n\n" + section, encoding="utf-8")
        return
    rest = text[at + len(heading) :]
    ends = [i for i in (rest.find("\n## "), rest.find("\n<!-- ")) if i >= 0]
    tail = rest[min(ends) + 1 :] if ends else ""
    path.write_text(text[:at] + section + ("\n" + tail if tail else ""), encoding="utf-8")

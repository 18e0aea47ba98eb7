"""Writing a rendered quiz: HTML pages as they are, paged sections as one PDF made by WeasyPrint.

WeasyPrint is an optional dependency (`pip install 'aiquiz[pdf]'`) that needs the Pango system
libraries, so it is imported only when a PDF is made; the HTML path never touches it. Every file is
written atomically (a temporary file renamed over the target), and nothing is written until every
file's content is ready, so a failed run never leaves a half-written quiz.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType

from aiquiz.errors import AiquizError, UsageError
from aiquiz.quiz.render import PagedOutput, PagedSection, QuizOutput

INSTALL_HINT = ("pip install 'aiquiz[pdf]' (and on Debian/Ubuntu the Pango libraries: "
                "apt-get install libpango-1.0-0 libpangoft2-1.0-0)")


class PdfUnavailable(AiquizError):
    """PDF output was asked for but WeasyPrint or its system libraries (Pango) cannot be loaded."""


def key_path(out: Path) -> Path:
    """Where a separate key goes: next to the quiz, `quiz.html` -> `quiz-key.html`, `q.pdf` -> `q-key.pdf`."""
    return out.with_name(f"{out.stem}-key{out.suffix or '.html'}")


def write_quiz(output: QuizOutput | PagedOutput, out: Path, *, build_time: int | None = None) -> tuple[Path, ...]:
    """Write the quiz to `out` (and a separate key next to it): HTML as it is, paged output as a PDF.

    Args:
        output: A rendered quiz: `QuizOutput` (HTML) or `PagedOutput` (made into a PDF).
        out: The file to write.
        build_time: For a PDF, its creation and modification date (seconds since the Unix epoch);
            None writes no date. Either way the same output gives the same bytes.

    Returns:
        The paths written.

    Raises:
        UsageError: `out` is a directory or its directory does not exist.
        PdfUnavailable: a PDF was asked for and WeasyPrint cannot be loaded.
        AiquizError: a file could not be written.
    """
    if out.is_dir():
        raise UsageError(f"--out is a directory, give a file name: {out}")
    if not out.parent.is_dir():
        raise UsageError(f"no such directory: {out.parent}")
    files: list[tuple[Path, bytes]]
    if isinstance(output, PagedOutput):
        files = [(out, pdf_bytes(output.quiz, build_time=build_time))]
        if output.key is not None:
            files.append((key_path(out), pdf_bytes(output.key, build_time=build_time)))
    else:
        files = [(out, output.quiz.encode("utf-8"))]
        if output.key is not None:
            files.append((key_path(out), output.key.encode("utf-8")))
    for path, data in files:
        _write_atomic(path, data)
    return tuple(path for path, _ in files)


def pdf_bytes(sections: Sequence[PagedSection], *, build_time: int | None = None) -> bytes:
    """Lay out each section as its own document and join their pages, in order, into one PDF.

    Each section keeps its own page numbers ("Version B · page 1 of 3"). The PDF's title and language
    come from the first section; fonts (CJK included) are embedded as subsets.

    Args:
        sections: The documents, in the order their pages are printed (at least one).
        build_time: The creation and modification date (seconds since the Unix epoch), or None.

    Returns:
        The PDF file's bytes; the same sections and build time give the same bytes.

    Raises:
        ValueError: no sections.
        PdfUnavailable: WeasyPrint or its system libraries cannot be loaded.
    """
    if not sections:
        raise ValueError("a PDF needs at least one section")
    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()  # one font configuration, so the joined pages share their embedded fonts
    documents = [weasyprint.HTML(string=s.html).render(font_config=fonts) for s in sections]
    joined = documents[0].copy([page for doc in documents for page in doc.pages])
    if build_time is not None:
        stamp = datetime.fromtimestamp(build_time, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        joined.metadata.created = joined.metadata.modified = stamp
    data = joined.write_pdf()
    assert isinstance(data, bytes)  # write_pdf without a target returns the bytes
    return data


def _weasyprint() -> ModuleType:
    """Import WeasyPrint, or say in one line what to install."""
    try:
        import weasyprint
    except (ImportError, OSError) as err:  # OSError: the module is there, Pango (a C library) is not
        reason = " ".join(str(err).split())[:160]
        raise PdfUnavailable(f"PDF output needs WeasyPrint and Pango, which cannot be loaded ({reason}); "
                             f"install them with {INSTALL_HINT}") from None
    return weasyprint  # type: ignore[no-any-return]  # weasyprint ships no type information


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file in the same directory, then rename it over `path`."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600; a quiz is an ordinary file
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except OSError as err:
        Path(tmp).unlink(missing_ok=True)
        raise AiquizError(f"cannot write {path}: {err.strerror or err}") from None


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask

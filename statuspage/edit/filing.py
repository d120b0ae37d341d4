"""The incident files as the writing commands handle them: read with their style, checked
as they will read back, written together under the incidents folder's lock.

A command changes all its files or none: every new text is parsed and checked before the
first is written, and each file is replaced in one step, so a reader never sees half a
file. A file keeps its line endings and its BOM.
"""

from __future__ import annotations

import errno
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from statuspage import files
from statuspage.content import document, reading, schema
from statuspage.content.config import INCIDENTS_DIR
from statuspage.content.incident import parse_incident
from statuspage.errors import ContentError, Problem, Problems, StatusPageError
from statuspage.model import Incident, SiteConfig

Done = list[tuple[Path, bytes | None, bytes]]  # each file written, its bytes before and after


@dataclass(frozen=True)
class Style:
    """How a file is written: its line endings and whether it starts with a BOM."""

    newline: str = "\n"
    bom: bool = False

    def apply(self, text: str) -> bytes:
        data = text.replace("\n", self.newline).encode("utf-8")
        return b"\xef\xbb\xbf" + data if self.bom else data


def read_for_edit(path: Path) -> tuple[str, Style]:
    """A file's text with ``\\n`` line endings, and the style to write it back in."""
    data = path.read_bytes()
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[:err.start].count(b"\n") + 1
        raise ContentError([_problem(path, line, f"not UTF-8 (byte 0x{data[err.start]:02x}): "
                                                 "save the file as UTF-8")]) from None
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), Style(newline, bom)


def _problem(path: Path, line: int, message: str) -> Problem:
    return Problem(str(INCIDENTS_DIR / path.name), line, message)


_WRITE_HINTS = {
    errno.ENOSPC: "free some space on its disk, then run the command again",
    errno.EDQUOT: "free some space (the disk quota is reached), then run the command again",
    errno.EFBIG: "the file is over this process's size limit (ulimit -f): raise it",
    errno.EACCES: "make incidents/ writable by this user, or run as the user who owns it",
    errno.EPERM: "make incidents/ writable by this user, or run as the user who owns it",
    errno.EROFS: "incidents/ is on a read-only file system: remount it read-write",
}


@contextmanager
def writing(path: Path) -> Iterator[None]:
    """A write that fails (a full disk, an unwritable folder) as a clean error: the files
    are as they were, since each is replaced in one step or not at all."""
    try:
        yield
    except OSError as err:
        reason = (err.strerror or str(err)).lower()
        hint = _WRITE_HINTS.get(err.errno or 0, "fix that, then run the command again")
        raise StatusPageError(f"{INCIDENTS_DIR / path.name}: cannot be written ({reason}); "
                              f"nothing was changed: {hint}") from None


def commit(changes: list[tuple[Path, bytes]]) -> Done:
    """Write every file, or (when one write fails) put back the ones already written;
    each file with its bytes before and after."""
    done: Done = []
    try:
        for path, data in changes:
            before = path.read_bytes() if path.exists() else None
            with writing(path):
                files.write_atomic(path, data)
            done.append((path, before, data))
        return done
    except BaseException:
        for path, before, _ in reversed(done):
            if before is None:
                path.unlink(missing_ok=True)
            else:
                files.write_atomic(path, before)
        raise


@contextmanager
def locked(root: Path) -> Iterator[Path]:
    """Hold the incidents folder's lock: one writer at a time, across processes. Temporary
    files a killed writer left behind are removed first."""
    folder = root / INCIDENTS_DIR
    with writing(folder):
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        files.remove_temporaries(folder, ".md")
        yield folder
    finally:
        os.close(fd)


def validated(incident_id: str, path: Path, text: str, config: SiteConfig) -> Incident:
    """Parse the text about to be written; refuse to write a file that would not load."""
    problems = Problems(str(INCIDENTS_DIR / path.name))
    check_size(text, problems)
    if found := reading.control_character(text):
        problems.error(found[1], line=found[0])
        raise ContentError(problems.errors)
    incident = parse_incident(incident_id, problems.path, text, config, problems)
    if problems.errors or incident is None:
        raise ContentError(problems.errors)
    return incident


def check_size(text: str, problems: Problems) -> None:
    """Refuse a file every build would refuse (``reading.MAX_BYTES``)."""
    if len(text.encode("utf-8")) > reading.MAX_BYTES:
        problems.error(f"would be larger than {reading.MAX_BYTES // 1_000_000} MB, which no "
                       "build reads: shorten the message (put long material elsewhere and "
                       "link to it)", line=1)
        raise ContentError(problems.errors)


def one_newline(text: str) -> str:
    """CR and CRLF as LF: a lone CR is a line break once the file is read back."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def check_message(message: str) -> str:
    """A message as an update's text: refused when it would read back as something else
    (a heading that opens an update, an unclosed code fence) or is over the size of a
    content file; its line breaks as the file will read them."""
    message = one_newline(message).strip()
    if len(message.encode("utf-8")) > reading.MAX_BYTES:
        raise StatusPageError(f"the message is over {reading.MAX_BYTES // 1_000_000} MB, the "
                              "most a content file holds: shorten it (put long material "
                              "elsewhere and link to it)")
    for heading in document.headings(message.split("\n")):
        raise StatusPageError(
            f"line {heading.index + 1} of the message, {heading.text!r}, is a level-2 heading, "
            "which in an incident file starts a new update: use ### for a sub-heading")
    return message


def one_line(title: str) -> str:
    """A title as it is written: one line, without control characters."""
    title = one_newline(title)
    if not title.strip() or schema.LINE_BREAK.search(title.strip()):
        raise StatusPageError("a title is one line of text customers understand")
    if found := reading.control_character(title):
        raise StatusPageError(f"the title's {found[1]}")
    return title.strip()

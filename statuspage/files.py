"""Writing files so that a reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

# What write_atomic leaves behind when its process is killed: .<name>.<8 random characters>
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}")


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write ``data`` to a temporary file beside ``path``, flush it to disk, then rename it
    over ``path`` in one step. An existing file keeps its permissions."""
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            mode = path.stat().st_mode & 0o777
        except FileNotFoundError:
            pass
        os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def remove_temporaries(folder: Path, suffix: str) -> list[Path]:
    """Remove the temporary files of ``write_atomic`` for names ending in ``suffix`` that
    a killed process left in ``folder``. Call it holding the lock every writer holds, so
    that none of them is in use."""
    removed = []
    for entry in os.scandir(folder):
        name = entry.name
        if name.startswith(".") and _TEMPORARY.fullmatch(name) and \
                name[1:-9].endswith(suffix) and entry.is_file(follow_symlinks=False):
            Path(entry.path).unlink(missing_ok=True)
            removed.append(Path(entry.path))
    return removed

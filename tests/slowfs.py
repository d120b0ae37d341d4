"""A file whose reads hang, as on a hung network mount: a tiny FUSE file system served by a
thread of the test process straight over /dev/fuse (root only; no libfuse needed).

It holds one file, ``file.md``: looking it up, its attributes and opening it answer at
once, but a read is never answered until the file system is unmounted.
"""

from __future__ import annotations

import ctypes
import errno
import os
import select
import stat
import struct
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_HEADER = struct.Struct("<IIQQIIIHH")  # len, opcode, unique, nodeid, uid, gid, pid, …
OUT_HEADER = struct.Struct("<IiQ")  # len, error, unique
ATTR = struct.Struct("<QQQQQQIIIIIIIIII")  # fuse_attr
LOOKUP, GETATTR, OPEN, READ, RELEASE, FLUSH, INIT, INTERRUPT = 1, 3, 14, 15, 18, 25, 26, 36
ROOT, FILE = 1, 2
SIZE = 64
MNT_DETACH = 2


def _attr(node: int) -> bytes:
    mode = stat.S_IFDIR | 0o755 if node == ROOT else stat.S_IFREG | 0o644
    size = 0 if node == ROOT else SIZE
    return ATTR.pack(node, size, 1, 0, 0, 0, 0, 0, 0, mode, 1, os.getuid(), os.getgid(), 0,
                     4096, 0)


def _answer(fd: int, unique: int, body: bytes = b"", error: int = 0) -> None:
    os.write(fd, OUT_HEADER.pack(OUT_HEADER.size + len(body), -error, unique) + body)


def _serve(fd: int, stop: threading.Event) -> None:
    while not stop.is_set():
        if not select.select([fd], [], [], 0.05)[0]:
            continue
        try:
            request = os.read(fd, 1 << 20 | 4096)
        except OSError:
            return  # unmounted
        _, opcode, unique, node, *_ = IN_HEADER.unpack_from(request)
        body = request[IN_HEADER.size:]
        if opcode == INIT:
            major, minor = struct.unpack_from("<II", body)
            _answer(fd, unique, struct.pack("<IIIIHHIIHHI28x", 7, min(minor, 31), 0, 0, 1, 1,
                                            65536, 1, 16, 0, 0))
        elif opcode == LOOKUP:
            if body.rstrip(b"\0") != b"file.md":
                _answer(fd, unique, error=errno.ENOENT)
            else:
                _answer(fd, unique, struct.pack("<QQQQII", FILE, 0, 3600, 3600, 0, 0)
                        + _attr(FILE))
        elif opcode == GETATTR:
            _answer(fd, unique, struct.pack("<QII", 3600, 0, 0) + _attr(node))
        elif opcode == OPEN:
            _answer(fd, unique, struct.pack("<QII", 1, 0, 0))
        elif opcode in (READ, INTERRUPT):
            pass  # never answered: the reader waits until the file system goes
        elif opcode in (RELEASE, FLUSH):
            _answer(fd, unique)
        else:
            _answer(fd, unique, error=errno.ENOSYS)


@contextmanager
def hanging_file(folder: Path) -> Iterator[Path]:
    """A mount in ``folder`` holding ``file.md``, whose reads hang until the end."""
    if os.geteuid() != 0 or not os.path.exists("/dev/fuse"):
        pytest.skip("mounting a FUSE file system needs root and /dev/fuse")
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open("/dev/fuse", os.O_RDWR | os.O_CLOEXEC)
    libc = ctypes.CDLL(None, use_errno=True)
    options = f"fd={fd},rootmode=40000,user_id=0,group_id=0".encode()
    if libc.mount(b"slowfs", os.fsencode(folder), b"fuse.slowfs", 0, options) != 0:
        os.close(fd)
        pytest.skip(f"cannot mount FUSE here: {os.strerror(ctypes.get_errno())}")
    stop = threading.Event()
    server = threading.Thread(target=_serve, args=(fd, stop), daemon=True)
    server.start()
    try:
        yield folder / "file.md"
    finally:
        stop.set()
        server.join()
        libc.umount2(os.fsencode(folder), MNT_DETACH)
        os.close(fd)  # the reads still waiting fail now (the connection is gone)

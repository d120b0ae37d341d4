"""A throwaway PostgreSQL for the tests: Debian's server, in a temporary folder, on a free
port, started by the tests themselves and removed at the end (PostgreSQL refuses to run
as root: when the tests do, the server runs as the ``postgres`` user)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager


def _bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql "
                           "(the README's test command does)")
    return found[-1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def postgresql() -> Iterator[str]:
    """A running server with an empty database: its SQLAlchemy URL."""
    folder = tempfile.mkdtemp(prefix="statuspage-pg-")
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, port = os.path.join(folder, "data"), _free_port()
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.PIPE, "check": True}
    try:
        subprocess.run([*as_user, _bin("initdb"), "-D", data, "-U", "statuspage",
                        "--auth=trust", "-E", "UTF8"], **quiet)
        subprocess.run([*as_user, _bin("pg_ctl"), "-D", data, "-w", "-l",
                        os.path.join(folder, "log"), "-o",
                        f"-p {port} -k {folder} -h 127.0.0.1 -F", "start"], **quiet)
        try:
            subprocess.run([*as_user, _bin("createdb"), "-h", "127.0.0.1", "-p", str(port),
                            "-U", "statuspage", "tests"], **quiet)
            yield f"postgresql://statuspage@127.0.0.1:{port}/tests"
        finally:
            subprocess.run([*as_user, _bin("pg_ctl"), "-D", data, "-m", "immediate", "-w",
                            "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

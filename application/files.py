"""The data directory holds Sozialdaten and the master key: only its owner may read it.

Whatever the umask, the directory is made 0700 and every file in it 0600: the SQLite
store is created 0600 before SQLite opens it (SQLite gives its journal and WAL files the
database file's mode), the master key is written through ``mkstemp`` (0600). A directory
or file that others may read or write is refused at start-up outside development mode;
in development it is tightened.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from application.settings import ConfigurationError, Settings

DIR_MODE = 0o700
FILE_MODE = 0o600
OTHERS = 0o077  # the group's and everyone else's bits


def make_private_dir(path: Path) -> None:
    """``path`` (and missing parents) created, and ``path`` itself 0700."""
    if path.exists() and not path.is_dir():
        raise ConfigurationError(f"{path} is a file, not a folder: LOTSE_DATA_DIR names "
                                 "the folder that holds the store")
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        os.chmod(path, DIR_MODE)  # whatever the umask took away or left


def create_private_file(path: Path) -> int:
    """A new file at ``path``, 0600 whatever the umask, opened for writing (its file
    descriptor). Raises ``FileExistsError`` if there is one: never writes over a file."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(fd, FILE_MODE)
    return fd


def open_to_others(root: Path) -> list[tuple[Path, int]]:
    """The directory and every file or folder below it that others may use, with its
    mode."""
    found: list[tuple[Path, int]] = []
    for folder, _folders, files in os.walk(root):
        for path in (Path(folder), *(Path(folder) / f for f in files)):
            mode = stat.S_IMODE(path.lstat().st_mode)
            if mode & OTHERS:
                found.append((path, mode))
    return found


def secure_data_dir(settings: Settings) -> None:
    """The data directory 0700 and its files 0600 (see the module's description); the
    SQLite store file is created 0600 if it does not exist yet."""
    root = settings.data_dir
    make_private_dir(root)
    loose = open_to_others(root)
    if loose and settings.mode != "development":
        listed = ", ".join(f"{p} (mode {m:o})" for p, m in loose[:5])
        raise ConfigurationError(
            f"the data directory {root} holds personal data but others may read it: "
            f"{listed}. Only the owner may: chmod -R go-rwx {root}")
    for path, _mode in loose:
        os.chmod(path, DIR_MODE if path.is_dir() else FILE_MODE)
    if not settings.uses_postgres and not settings.sqlite_path.exists():
        os.close(os.open(settings.sqlite_path, os.O_CREAT | os.O_WRONLY, FILE_MODE))
        os.chmod(settings.sqlite_path, FILE_MODE)

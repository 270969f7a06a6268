"""The data directory holds Sozialdaten and the master key: whatever the umask, it is
0700 and every file in it 0600; outside development a store others may read is refused
at start-up, in development it is tightened."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from application.cases import FamilyCases
from application.settings import ConfigurationError, Settings
from tests.support.builders import open_case


@pytest.fixture
def loose_umask() -> Iterator[None]:
    before = os.umask(0o022)  # the usual umask: new files 0644, folders 0755
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_embedded_store_is_private_whatever_the_umask(
        tmp_path: Path, loose_umask: None) -> None:
    settings = Settings(data_dir=tmp_path / "data", mode="development")
    with FamilyCases(settings) as cases:
        open_case(cases)  # writes: the WAL and its index exist now

    files = sorted(p.name for p in settings.data_dir.iterdir())
    assert {"lotse.sqlite", "master.key"} <= set(files), files
    assert mode(settings.data_dir) == 0o700
    assert {name: oct(mode(settings.data_dir / name)) for name in files} == {
        name: oct(0o600) for name in files}


@pytest.mark.parametrize("loose", ["directory", "store file"])
def test_outside_development_a_store_others_may_read_is_refused(
        tmp_path: Path, loose: str) -> None:
    settings = Settings(data_dir=tmp_path / "data", mode="production",
                        master_key="A" * 43 + "=")
    FamilyCases(settings).close()
    target = settings.data_dir if loose == "directory" else settings.sqlite_path
    os.chmod(target, 0o755 if loose == "directory" else 0o644)

    with pytest.raises(ConfigurationError, match="others may read it") as refused:
        FamilyCases(settings)

    assert str(target) in str(refused.value)
    assert "chmod -R go-rwx" in str(refused.value)
    assert mode(target) in (0o755, 0o644)  # left as it was: the operator decides


def test_in_development_a_store_others_may_read_is_tightened(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", mode="development")
    FamilyCases(settings).close()
    os.chmod(settings.data_dir, 0o755)
    os.chmod(settings.sqlite_path, 0o664)

    FamilyCases(settings).close()

    assert (mode(settings.data_dir), mode(settings.sqlite_path)) == (0o700, 0o600)

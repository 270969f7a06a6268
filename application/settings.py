"""Lotse's configuration: one typed object read from ``LOTSE_*`` environment variables."""

from __future__ import annotations

import base64
import os
import secrets
import tempfile
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MASTER_KEY_FILE = "master.key"
SIGNING_KEY_FILE = "signing.key"


class ConfigurationError(RuntimeError):
    """Lotse cannot start with this configuration; the message says what to set."""


class Settings(BaseSettings):
    """``LOTSE_MODE`` development (default) or production; ``LOTSE_DATA_DIR`` for the
    embedded SQLite store; ``LOTSE_DATABASE_URL`` (postgresql://...) switches to
    PostgreSQL; ``LOTSE_MASTER_KEY`` wraps every family's key (32 bytes, base64)."""

    model_config = SettingsConfigDict(env_prefix="LOTSE_", extra="ignore")

    mode: Literal["development", "production"] = "development"
    data_dir: Path = Path("lotse-data")
    database_url: str | None = None
    postgres_schema: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$")
    master_key: SecretStr | None = None
    signing_key: SecretStr | None = None
    """Signs the event log's checkpoints (Ed25519 seed: 32 bytes, base64; `lotse keygen`)."""
    log_origin: str = Field(default="lotse", pattern=r"^[A-Za-z0-9._/:-]{1,100}$")
    """Names this store's log in its checkpoints (and the checkpoints' key)."""
    postgres_connections: int = Field(default=5, ge=1, le=100)
    """Connections to PostgreSQL a process keeps open (up to five more are opened while
    all are busy)."""
    snapshot_interval: int = Field(default=100, ge=2, le=100_000)
    key_cache_seconds: float = Field(default=30.0, ge=0)
    aggregate_cache_size: int = Field(default=2000, ge=0, le=1_000_000)
    password_hashing: Literal["rfc9106", "light"] = "rfc9106"  # noqa: S105 (a name)
    """argon2id with RFC 9106's second recommended profile (64 MiB, 3 passes); ``light``
    (8 MiB, one pass) is for test suites only, never for people's passwords: a hash made
    light is made again in full at the next sign-in under the default."""
    background_views: bool = False
    """Keep the views current in the server's background (else they catch up when read,
    or in a `lotse projections run` process)."""

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value and not value.startswith(("postgresql://", "postgres://")):
            raise ValueError("LOTSE_DATABASE_URL must be a postgresql:// URL")
        if value and ("?" in value or "#" in value):
            # The store's connection pool is configured from host, port, user, password
            # and database alone: parameters such as sslmode would be dropped silently.
            raise ValueError("LOTSE_DATABASE_URL takes no parameters (?...): set libpq's "
                             "PGSSLMODE and friends in the environment instead")
        return value or None

    @property
    def uses_postgres(self) -> bool:
        return self.database_url is not None

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "lotse.sqlite"

    def resolve_master_key(self) -> bytes:
        """The master key; in development mode generated once into the data directory.
        Outside development a missing key stops start-up with a clear error."""
        if self.master_key is not None:
            return decode_key(self.master_key.get_secret_value())
        if self.mode != "development":
            raise ConfigurationError(
                "LOTSE_MASTER_KEY is not set. Outside development mode Lotse needs the "
                "master key that protects every family's key (32 random bytes, base64): "
                "the one the store was created with, or for a new store one from "
                "`lotse keygen`.")
        return decode_key(self._development_key(MASTER_KEY_FILE))

    def resolve_signing_key(self) -> bytes:
        """The seed of the Ed25519 key that signs checkpoints; like the master key,
        generated once into the data directory in development mode, required outside it."""
        if self.signing_key is not None:
            return decode_key(self.signing_key.get_secret_value(), "LOTSE_SIGNING_KEY")
        if self.mode != "development":
            raise ConfigurationError(
                "LOTSE_SIGNING_KEY is not set. Outside development mode Lotse needs the "
                "key that signs the event log's checkpoints (32 random bytes, base64): "
                "the one its checkpoints were signed with, or for a new store one from "
                "`lotse keygen`.")
        return decode_key(self._development_key(SIGNING_KEY_FILE), "LOTSE_SIGNING_KEY")

    def _development_key(self, name: str) -> str:
        path = self.data_dir / name
        if not path.exists():
            from application.files import make_private_dir

            make_private_dir(self.data_dir)
            # Written aside, then linked into place: a process starting at the same moment
            # either wins the link or reads the complete key of the one that did.
            fd, tmp = tempfile.mkstemp(dir=self.data_dir, prefix=f".{name}-")
            try:
                with os.fdopen(fd, "w") as f:
                    f.write(new_key_text())
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                os.unlink(tmp)
        return path.read_text().strip()


def new_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()


def decode_key(text: str, name: str = "LOTSE_MASTER_KEY") -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except ValueError:
        raise ConfigurationError(f"{name} is not valid base64") from None
    if len(key) != 32:
        raise ConfigurationError(f"{name} must encode exactly 32 bytes")
    return key

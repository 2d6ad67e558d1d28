"""What a server instance is allowed to do: where its models live and every limit it enforces.

The limits exist because the API accepts files and work from the network: each one bounds a
resource an anonymous request could otherwise exhaust (memory, disk, CPU time, processes).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields
from pathlib import Path

import polystyle
from polystyle.errors import ConfigError

TOKEN_ENV = "POLYSTYLE_API_TOKEN"
MIB = 1024 * 1024

# Folder of the browser UI shipped in the package; mounted at / when it exists.
WEBUI_DIR = Path(polystyle.__file__).parent / "webui" / "static"


@dataclass(frozen=True)
class ServerSettings:
    models_dir: Path
    db: str | None = None  # SQLite file or postgresql:// URL; default models_dir/polystyle.sqlite
    max_jobs: int = 1
    token: str | None = None
    device: str = "auto"
    max_upload_bytes: int = 64 * MIB  # a zip upload, as sent
    max_body_bytes: int = 8 * MIB  # any other request body (JSON with a base64 reference)
    max_pixels: int = 4096 * 4096  # per decoded image, uploads and references alike
    max_zip_members: int = 20_000
    max_zip_bytes: int = 512 * MIB  # uncompressed total of a zip
    max_zip_ratio: int = 200  # uncompressed / compressed, per member
    max_images: int = 64  # images per generate request
    max_frames: int = 240  # frames per animation
    generation_slots: int = 2  # concurrent generate/interpolate/explain/transfer renders
    render_queue: int = 32  # renders waiting for a slot; beyond them, 429
    max_batch: int = 16  # waiting generate requests drawn in one generator call; 1 = off
    request_timeout_s: float = 120.0
    pipeline_cache: int = 4  # loaded models kept in memory
    webui_dir: Path = WEBUI_DIR

    def __post_init__(self) -> None:
        # Absolute, because job processes work in their own folders.
        object.__setattr__(self, "models_dir", Path(self.models_dir).resolve())
        if self.db is not None and "://" not in self.db:
            object.__setattr__(self, "db", str(Path(self.db).resolve()))
        for field in fields(self):
            value = getattr(self, field.name)
            if isinstance(value, int | float) and not isinstance(value, bool) and value <= 0:
                raise ConfigError(f"server setting {field.name}={value}: use a positive number")

    @property
    def database(self) -> str:
        """Where job and model records live: a SQLite file path or a database URL."""
        return self.db or str(self.models_dir / "polystyle.sqlite")

    @property
    def jobs_dir(self) -> Path:
        """Job work folders (uploads, logs, runs). Hidden, so the registry never scans it."""
        return self.models_dir / ".jobs"


def is_loopback(host: str) -> bool:
    """True for names and addresses only this machine can reach."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_exposure(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token: jobs run code-heavy work."""
    if not is_loopback(host) and not token:
        raise ConfigError(
            f"--host {host} is reachable from other machines; set {TOKEN_ENV} to a secret "
            f"(clients then send 'Authorization: Bearer <token>') or serve on --host 127.0.0.1"
        )

"""The models a server offers: model folders under `--models DIR`, indexed in the database.

The folders are the truth (a model is a folder a user can copy in or out); the table is an
index of what `model.json` and `eval/metrics.json` say, so listing models reads no weights. A
rescan adds new folders, refreshes changed ones and forgets removed ones. A finished training
job registers its model by copying the run's model folder in under a fresh id, so deleting
job files never breaks a registered model.

The index lives in the server database (`db.py`): a SQLite file by default, or PostgreSQL.
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from pathlib import Path
from typing import Any

import torch

from polystyle.errors import PolystyleError
from polystyle.fileio import atomic_directory
from polystyle.models.base import build_generator
from polystyle.models.folder import MODEL_JSON, read_model_json
from polystyle.server import db
from polystyle.server.names import ID_PATTERN
from polystyle.styles.glyph_text import default_source_style

LOG = logging.getLogger(__name__)
METRICS_FILE = Path("eval") / "metrics.json"
TRAINING_KEYS = ("step", "kimg", "pairing", "paired_source")  # what the API shows of training

SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    stamp DOUBLE PRECISION NOT NULL,
    info TEXT NOT NULL,
    source TEXT NOT NULL,
    job_id TEXT,
    registered DOUBLE PRECISION NOT NULL
);
"""


def describe(folder: Path) -> dict[str, Any]:
    """What a client needs to drive a model, from its model.json (and evaluation, if any)."""
    meta = read_model_json(folder)
    kind = meta.get("kind", "synthesis")
    metrics_path = folder / METRICS_FILE
    metrics = None
    if metrics_path.is_file():
        metrics = json.loads(metrics_path.read_text(encoding="utf-8")).get("metrics")
    training = meta.get("training", {})
    styles = [{"name": s["name"], "description": s.get("description", "")} for s in meta["styles"]]
    controls = _layers(meta) if kind == "synthesis" else _text_source(styles, training)
    return {
        "kind": kind,
        "architecture": meta["architecture"],
        "image": meta["image"],
        "styles": styles,
        **controls,
        "reference": "encoder" in meta,
        "training": {k: training[k] for k in TRAINING_KEYS if k in training},
        "metrics": metrics,
        "package_version": meta.get("package_version"),
    }


def _layers(meta: dict[str, Any]) -> dict[str, Any]:
    """A synthesis model's style layers, the targets of per-layer mixing."""
    with torch.device("meta"):  # the layer table without allocating any weights
        generator = build_generator(meta["architecture"], meta["config"])
    layers = generator.layer_resolutions() if hasattr(generator, "layer_resolutions") else []
    return {"num_ws": generator.num_ws, "layer_resolutions": list(layers)}


def _text_source(styles: list[dict[str, str]], training: dict[str, Any]) -> dict[str, Any]:
    """A translation model's text input: the built-in font style text is drawn in before it
    is translated, or None when no style of the model is a built-in font."""
    names = [s["name"] for s in styles]
    return {"text_source": default_source_style(names, training.get("paired_source"))}


def _stamp(folder: Path) -> float:
    """Changes when model.json or the evaluation is rewritten (both are replaced atomically)."""
    files = (folder / MODEL_JSON, folder / METRICS_FILE)
    return max((f.stat().st_mtime for f in files if f.is_file()), default=0.0)


class ModelRegistry:
    def __init__(self, database: db.Database, models_dir: Path) -> None:
        self.database = database
        self.models_dir = models_dir
        database.initialise(SCHEMA)

    def scan(self) -> list[str]:
        """Index every `<models_dir>/<id>/model.json`; forget rows whose folder is gone."""
        self.models_dir.mkdir(parents=True, exist_ok=True)
        found = []
        for folder in sorted(self.models_dir.iterdir()):
            if not (ID_PATTERN.fullmatch(folder.name) and (folder / MODEL_JSON).is_file()):
                continue
            try:
                self.record(folder.name)
            except (PolystyleError, KeyError, ValueError) as exc:
                LOG.warning("skipping model folder %s: %s", folder, exc)
                continue
            found.append(folder.name)
        with self.database.transaction() as tx:
            known = [row["id"] for row in tx.all("SELECT id FROM models")]
            for model_id in set(known) - set(found):
                tx.run("DELETE FROM models WHERE id = :id", {"id": model_id})
        return found

    def record(self, model_id: str, source: str = "scan", job_id: str | None = None) -> None:
        """(Re)index one folder, unless it is unchanged since it was last indexed."""
        folder = self.models_dir / model_id
        stamp = _stamp(folder)
        with self.database.transaction() as tx:
            row = tx.one("SELECT stamp FROM models WHERE id = :id", {"id": model_id})
            if row is not None and row["stamp"] == stamp and source == "scan":
                return
        info = json.dumps(describe(folder), ensure_ascii=False)
        with self.database.transaction() as tx:
            tx.run(
                "INSERT INTO models (id, path, stamp, info, source, job_id, registered) "
                "VALUES (:id, :path, :stamp, :info, :source, :job_id, :now) "
                "ON CONFLICT(id) DO UPDATE SET "
                "path = excluded.path, stamp = excluded.stamp, info = excluded.info",
                {
                    "id": model_id,
                    "path": str(folder),
                    "stamp": stamp,
                    "info": info,
                    "source": source,
                    "job_id": job_id,
                    "now": time.time(),
                },
            )

    def register_copy(self, source: Path, preferred: str, job_id: str) -> str:
        """Copy a model folder in under `preferred` (or `preferred-2`, ...); its new id."""
        model_id = self.free_id(preferred)
        with atomic_directory(self.models_dir / model_id) as tmp:
            shutil.copytree(source, tmp, dirs_exist_ok=True)
        self.record(model_id, source="job", job_id=job_id)
        return model_id

    def free_id(self, preferred: str) -> str:
        model_id, n = preferred, 1
        while (self.models_dir / model_id).exists():
            n += 1
            model_id = f"{preferred[:60]}-{n}"
        return model_id

    def list(self) -> list[dict[str, Any]]:
        with self.database.transaction() as tx:
            rows = tx.all("SELECT * FROM models ORDER BY id")
        return [_row_json(row) for row in rows]

    def get(self, model_id: str) -> dict[str, Any] | None:
        with self.database.transaction() as tx:
            row = tx.one("SELECT * FROM models WHERE id = :id", {"id": model_id})
        return None if row is None else _row_json(row)

    def folder(self, model_id: str) -> Path | None:
        """The model's folder, or None for an id the registry does not hold."""
        with self.database.transaction() as tx:
            row = tx.one("SELECT path FROM models WHERE id = :id", {"id": model_id})
        return None if row is None else Path(row["path"])


def _row_json(row: Any) -> dict[str, Any]:
    """The public view: server paths stay private."""
    return {
        "id": row["id"],
        **json.loads(row["info"]),
        "source": row["source"],
        "job": row["job_id"],
        "registered": row["registered"],
    }

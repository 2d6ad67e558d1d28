"""Which dataset a request means: a built-in name, an upload id, or a model's training data.

Clients never name server paths: an HTTP caller must not make the server read an arbitrary
folder. A built-in name is resolved (and built) by `resolve_root` as in the CLI.
"""

from __future__ import annotations

from polystyle.registry import DATASETS
from polystyle.server.jobs import training_data
from polystyle.server.names import check_id
from polystyle.server.problems import ApiError
from polystyle.server.state import ServerState
from polystyle.server.uploads import upload_data, upload_summary


def dataset_argument(
    state: ServerState, dataset: str | None, upload: str | None, model_id: str | None = None
) -> str:
    """The DATA argument of the CLI for these request fields (checked to exist)."""
    if dataset is not None and upload is not None:
        raise ApiError(400, "both dataset and upload are given", "give one of them", "dataset")
    if dataset is not None:
        if dataset not in DATASETS:
            raise ApiError(
                400,
                f"dataset {dataset!r} is not a built-in dataset",
                f"use one of: {', '.join(DATASETS.keys())}, or upload a zip (POST /v1/uploads)",
                "dataset",
            )
        return dataset
    if upload is not None:
        check_id(upload, "upload")
        if upload_summary(state.settings, upload) is None:
            raise ApiError(404, f"no upload {upload!r}", "POST the zip to /v1/uploads", "upload")
        return str(upload_data(state.settings, upload))
    if model_id is not None:
        try:
            return training_data(state.registry, model_id)
        except LookupError as exc:
            raise ApiError(400, str(exc), "give dataset or upload", "dataset") from exc
    raise ApiError(400, "no dataset given", "give dataset (a built-in name) or upload", "dataset")

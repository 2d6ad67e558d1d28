"""The HTTP API against real `polystyle serve` processes on loopback ports.

One server for most tests (a tiny synthesis model `toy`, tiny translation models `pairs` and
`glyphs`, an API token, a 1 MiB upload limit); the restart test runs its own pair of servers on
another models folder. The client is plain
urllib, so what is tested is the bytes on the wire.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from tests.conftest import TINY_TRAIN, TINY_TRANSLATE, toy_shapes
from tests.e2e.test_cli import polystyle
from tests.e2e.test_train_cli import tiny_model
from tests.integration.test_translation import tiny_glyph_model, tiny_translator
from tests.postgres import temporary_postgres

pytest.importorskip("fastapi", reason="the HTTP API needs fastapi (pip install fastapi uvicorn)")

TOKEN = "test-secret"
SERVE = [sys.executable, "-m", "polystyle.cli", "serve"]
START_S = 60
JOB_S = 120


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Api:
    base: str
    token: str | None
    process: subprocess.Popen[bytes]
    log: Path

    def call(
        self,
        method: str,
        path: str,
        payload: Any = None,
        *,
        data: bytes | None = None,
        content_type: str | None = None,
        auth: bool = True,
    ) -> Answer:
        headers = {}
        if payload is not None:
            data, content_type = json.dumps(payload).encode(), "application/json"
        if content_type:
            headers["Content-Type"] = content_type
        if auth and self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(self.base + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return Answer(response.status, dict(response.headers), response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, dict(exc.headers), exc.read())

    def form(
        self,
        path: str,
        fields: dict[str, Any],
        files: Sequence[tuple[str, str, bytes]] = (),
        auth: bool = True,
    ) -> Answer:
        """POST a multipart form: text `fields`, and `files` as (field, file name, bytes)."""
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in fields.items():
            head = f'Content-Disposition: form-data; name="{name}"\r\n\r\n'
            parts.append(f"--{boundary}\r\n{head}".encode() + str(value).encode() + b"\r\n")
        for name, file_name, content in files:
            head = (
                f'Content-Disposition: form-data; name="{name}"; filename="{file_name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            )
            parts.append(f"--{boundary}\r\n{head}".encode() + content + b"\r\n")
        body = b"".join(parts) + f"--{boundary}--\r\n".encode()
        content_type = f"multipart/form-data; boundary={boundary}"
        return self.call("POST", path, data=body, content_type=content_type, auth=auth)

    def upload(self, content: bytes, name: str = "data.zip", auth: bool = True) -> Answer:
        return self.form("/v1/uploads", {}, [("file", name, content)], auth=auth)

    def wait_job(self, job_id: str, states: set[str], timeout: float = JOB_S) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            job = self.call("GET", f"/v1/jobs/{job_id}").json()
            if job["state"] in states:
                return job
            if time.monotonic() > deadline:
                raise AssertionError(f"job stayed {job['state']}: {job}")
            time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(models: Path, cache: Path, token: str | None, *extra: str) -> Api:
    port = _free_port()
    env = {**os.environ, "POLYSTYLE_CACHE_DIR": str(cache)}
    env.pop("POLYSTYLE_API_TOKEN", None)
    if token:
        env["POLYSTYLE_API_TOKEN"] = token
    log = models.parent / f"server-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [*SERVE, "--models", str(models), "--port", str(port), *extra],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    api = Api(f"http://127.0.0.1:{port}", token, process, log)
    deadline = time.monotonic() + START_S
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the server exited: {log.read_text()}")
        try:
            if api.call("GET", "/v1/health").status == 200:
                return api
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not answer: {log.read_text()}")
        time.sleep(0.2)


def stop_server(api: Api) -> None:
    if api.process.poll() is None:
        api.process.send_signal(signal.SIGINT)
        try:
            api.process.wait(60)
        except subprocess.TimeoutExpired:
            api.process.kill()
            api.process.wait()


def toy_zip(root: Path) -> bytes:
    """The toy shapes as an upload: `toy/<style>/<file>.png` (one folder around the styles)."""
    data = toy_shapes(root / "zip-src" / "toy", per_style=16)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(data.rglob("*.png")):
            archive.write(path, path.relative_to(data.parent).as_posix())
    return buffer.getvalue()


def png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def train_job(upload: str, kimg: float, **extra: Any) -> dict[str, Any]:
    """A training job with the tiny settings of the CLI tests (`extra` replaces fields)."""
    job = {"kind": "train", "upload": upload, "preset": "cpu-32", "kimg": kimg, "set": TINY_TRAIN}
    return {**job, **extra}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("server")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("POLYSTYLE_CACHE_DIR", str(root / "cache"))
        yield root


@pytest.fixture(scope="module")
def toy_model(workspace: Path) -> Path:
    return tiny_model(workspace / "train")


@pytest.fixture(scope="module")
def api(workspace: Path, toy_model: Path) -> Iterator[Api]:
    models = workspace / "main" / "models"
    models.mkdir(parents=True)
    shutil.copytree(toy_model, models / "toy")
    shutil.copytree(tiny_translator(workspace / "pairs"), models / "pairs")
    shutil.copytree(tiny_glyph_model(workspace / "glyphs")[1], models / "glyphs")
    server = start_server(models, workspace / "cache", TOKEN, "--max-upload-mb", "1")
    yield server
    stop_server(server)
    assert "Traceback" not in server.log.read_text(), server.log.read_text()


@pytest.fixture(scope="module")
def upload_id(api: Api, workspace: Path) -> str:
    answer = api.upload(toy_zip(workspace))
    assert answer.status == 201, answer.body
    summary = answer.json()
    assert summary["styles"] == [{"name": "circle", "images": 16}, {"name": "square", "images": 16}]
    return summary["id"]


def assert_problem(answer: Answer, status: int, *words: str) -> dict[str, Any]:
    """A JSON error with both lines, mentioning `words`."""
    assert answer.status == status, (answer.status, answer.body)
    assert answer.headers["content-type"].startswith("application/json")
    problem = answer.json()
    assert problem["error"] and problem["fix"]
    for word in words:
        assert word in problem["error"] + " " + problem["fix"], problem
    return problem


def test_list_and_get_models(api: Api) -> None:
    listed = api.call("GET", "/v1/models", auth=False).json()["models"]
    assert {m["id"]: m["kind"] for m in listed} == {
        "glyphs": "translation",
        "pairs": "translation",
        "toy": "synthesis",
    }
    model = api.call("GET", "/v1/models/toy", auth=False).json()
    assert model["image"] == {"size": 16, "channels": 1}
    assert [s["name"] for s in model["styles"]] == ["circle", "square"]
    assert model["num_ws"] == len(model["layer_resolutions"]) > 1
    assert model["links"]["self"] == "/v1/models/toy" and "path" not in model
    assert_problem(api.call("GET", "/v1/models/nope"), 404, "nope")
    pairs = api.call("GET", "/v1/models/pairs", auth=False).json()
    assert pairs["architecture"] == "stargan-lite" and pairs["reference"] is True
    assert [s["name"] for s in pairs["styles"]] == ["outline", "solid"]
    assert pairs["text_source"] is None and "num_ws" not in pairs
    assert pairs["training"]["pairing"] == "paired"
    assert api.call("GET", "/v1/models/glyphs").json()["text_source"] == "hei"


@pytest.mark.parametrize(
    "path",
    [
        "/v1/models/..%2F..%2Fetc%2Fpasswd",
        "/v1/models/..",
        "/v1/models/bad$id",
        "/v1/models/toy/explain/..%2Fmodel.json",
        "/v1/models/toy/explain/model.json",
        "/v1/jobs/..%2F..",
        "/v1/uploads/.hidden",
    ],
)
def test_ids_in_urls_cannot_reach_other_files(api: Api, path: str) -> None:
    answer = api.call("GET", path)
    assert answer.status in (400, 404)
    assert {"error", "fix"} <= answer.json().keys()


def test_generate_one_png_and_a_grid(api: Api) -> None:
    one = api.call("POST", "/v1/generate", {"model": "toy", "style": "circle", "seeds": [3]})
    assert one.status == 200 and one.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(one.body))
    assert image.size == (16, 16) and image.mode == "L"
    again = api.call("POST", "/v1/generate", {"model": "toy", "style": "circle", "seeds": "3"})
    assert again.body == one.body
    grid = api.call("POST", "/v1/generate", {"model": "toy", "style": "square", "seeds": "0-3"})
    assert grid.headers["x-seeds"] == "0,1,2,3"
    assert Image.open(io.BytesIO(grid.body)).size == (2 * 18 + 2, 2 * 18 + 2)  # 2 x 2, 2 px gaps


def test_concurrent_generates_answer_as_if_alone(api: Api) -> None:
    """A burst is drawn in shared generator calls (the batcher); every answer holds the bytes
    of the same request sent alone, and a bad request in the burst fails on its own."""
    bodies: list[dict[str, Any]] = [
        {"model": "toy", "style": "circle", "seeds": [seed]} for seed in range(6)
    ]
    bodies += [
        {"model": "toy", "weights": {"circle": 1, "square": 1}, "seeds": "7-8", "format": "json"},
        {"model": "toy", "style": "hexagon", "seeds": [1]},
        {"model": "toy", "style": "square", "seeds": [2], "truncation": 0.5},
    ]

    def send(body: dict[str, Any]) -> Answer:
        return api.call("POST", "/v1/generate", body)

    for _ in range(3):
        with ThreadPoolExecutor(len(bodies)) as pool:
            burst = list(pool.map(send, bodies))
        alone = [send(body) for body in bodies]
        assert [a.status for a in burst] == [a.status for a in alone]
        assert [a.body for a in burst] == [a.body for a in alone]
    assert_problem(burst[7], 400, "hexagon")
    assert [a.status for a in burst].count(200) == len(bodies) - 1


def test_generate_json_reports_prompt_weights(api: Api) -> None:
    answer = api.call(
        "POST",
        "/v1/generate",
        {"model": "toy", "prompt": "a filled round circle", "seeds": [0, 1], "format": "json"},
    ).json()
    assert answer["seeds"] == [0, 1] and answer["size"] == [16, 16]
    assert set(answer["prompt_weights"]) == set(answer["similarities"]) == {"circle", "square"}
    assert math.isclose(sum(answer["prompt_weights"].values()), 1.0, rel_tol=1e-6)
    assert next(iter(answer["prompt_weights"])) == "circle"
    images = [Image.open(io.BytesIO(base64.b64decode(b))) for b in answer["images"]]
    assert [i.size for i in images] == [(16, 16), (16, 16)]
    blend = api.call(
        "POST", "/v1/generate", {"model": "toy", "weights": answer["prompt_weights"], "seeds": [1]}
    )
    assert blend.body == base64.b64decode(answer["images"][1])


def test_generate_from_a_reference_image(api: Api) -> None:
    reference = base64.b64encode(png(Image.new("L", (40, 30), 0))).decode()
    answer = api.call(
        "POST", "/v1/generate", {"model": "toy", "reference": reference, "format": "json"}
    )
    assert answer.status == 200 and answer.json()["styles"] == ["reference"]
    text = base64.b64encode(b"not an image").decode()
    bad = api.call("POST", "/v1/generate", {"model": "toy", "reference": text})
    assert assert_problem(bad, 400, "image")["field"] == "reference"
    bomb = png(Image.new("L", (5000, 5000), 255))  # 25 M pixels in ~25 KB
    huge = {"model": "toy", "reference": base64.b64encode(bomb).decode()}
    assert_problem(api.call("POST", "/v1/generate", huge), 413, "pixels")


@pytest.mark.parametrize(
    ("body", "status", "field", "words"),
    [
        ({"weights": {"circle": -1, "square": 1}}, 400, "weights", ["circle", ">= 0"]),
        ({"weights": {"hexagon": 1}}, 400, "weights", ["hexagon", "circle, square"]),
        ({"style": "circle", "prompt": "round"}, 400, "style", ["style and prompt"]),
        ({"style": "circle", "layers": "0-99:square"}, 400, "layers", ["layer"]),
        ({"style": "circle", "directions": {"42": 1.0}}, 400, "directions", ["42"]),
        ({"style": "circle", "seeds": "0-100000000"}, 400, "seeds", ["at most"]),
        ({"style": "circle", "seed": 3}, 422, "seed", ["seed"]),
        ({"style": "circle", "truncation": 2}, 422, "truncation", ["truncation"]),
    ],
)
def test_generate_mistakes_name_the_field(
    api: Api, body: dict[str, Any], status: int, field: str, words: list[str]
) -> None:
    answer = api.call("POST", "/v1/generate", {"model": "toy", **body})
    assert assert_problem(answer, status, *words)["field"] == field


def test_malformed_json_is_a_json_error(api: Api) -> None:
    answer = api.call(
        "POST", "/v1/generate", data=b'{"model": "toy", ', content_type="application/json"
    )
    assert_problem(answer, 400, "JSON")


def test_interpolate_returns_a_gif_with_the_frames_asked_for(api: Api) -> None:
    path = {"model": "toy", "seeds": [0, 5, 9], "style": "circle", "frames": 10}
    answer = api.call("POST", "/v1/interpolate", path)
    assert answer.status == 200 and answer.headers["content-type"] == "image/gif"
    assert answer.headers["x-frames"] == "10"
    assert Image.open(io.BytesIO(answer.body)).n_frames == 10
    wheel = api.call("POST", "/v1/interpolate", {"model": "toy", "wheel": True, "seed": 3})
    assert wheel.headers["x-frames"] == "16"  # 8 per style, 2 styles
    odd = api.call(
        "POST", "/v1/interpolate", {"model": "toy", "wheel": True, "seed": 3, "frames": 5}
    )
    assert assert_problem(odd, 400, "multiple")["field"] == "frames"


def test_explain_writes_a_page_served_under_the_model(api: Api) -> None:
    small = {"map_codes_per_style": 8, "map_samples_per_style": 2, "layer_seeds": 2}
    answer = api.call("POST", "/v1/explain", {"model": "toy", "settings": small})
    assert answer.status == 200, answer.body
    explained = answer.json()
    assert explained["report"]["model"]["styles"] == ["circle", "square"]
    assert {"style_map", "strength", "directions"} <= explained["images"].keys()
    image = api.call("GET", explained["images"]["style_map"])
    assert image.headers["content-type"] == "image/png"
    assert api.call("GET", explained["page"]).headers["content-type"].startswith("text/html")
    links = api.call("GET", "/v1/models/toy").json()["links"]
    assert api.call("GET", links["explain"]).json()["report"] == explained["report"]
    assert_problem(api.call("POST", "/v1/explain", {"model": "toy"}, auth=False), 401)


def test_evaluate_job_adds_metrics_to_the_model(api: Api) -> None:
    job = {"kind": "evaluate", "model": "toy", "n": 4, "metrics": "style_accuracy"}
    created = api.call("POST", "/v1/jobs", job)
    assert created.status == 201, created.body
    done = api.wait_job(created.json()["id"], {"succeeded", "failed"})
    assert done["state"] == "succeeded", done
    metrics = api.call("GET", "/v1/models/toy").json()["metrics"]
    assert "style_accuracy" in metrics
    unknown = api.call("POST", "/v1/jobs", {**job, "metrics": "beauty"})
    assert assert_problem(unknown, 400, "beauty")["field"] == "metrics"


def transfer(api: Api, image: bytes | None = None, auth: bool = True, **fields: Any) -> Answer:
    """POST /v1/transfer with `image` as the upload (when given) and text `fields`."""
    files = [] if image is None else [("image", "input.png", image)]
    return api.form("/v1/transfer", fields, files, auth=auth)


def test_transfer_an_uploaded_image_as_png_and_json(api: Api) -> None:
    square = png(Image.new("L", (40, 30), 0))
    one = transfer(api, square, model="pairs", style="outline", seeds="3", auth=False)
    assert one.status == 200, one.body  # rendering needs no token, as generate
    assert one.headers["content-type"] == "image/png" and one.headers["x-seeds"] == "3"
    image = Image.open(io.BytesIO(one.body))
    assert image.size == (16, 12) and image.mode == "L"  # longer side -> training size
    answer = transfer(
        api, square, model="pairs", style="outline", seeds="3-4", strength=0.5, format="json"
    ).json()
    assert answer["model"] == "pairs" and answer["seeds"] == [3, 4]
    assert answer["weights"] == {"outline": 1.0, "solid": 0.0} and answer["strength"] == 0.5
    assert answer["size"] == [16, 12] and answer["channels"] == 1 and len(answer["images"]) == 2
    full = transfer(api, square, model="pairs", style="outline", seeds="3", format="json").json()
    assert base64.b64decode(full["images"][0]) == one.body
    native = transfer(api, square, model="pairs", style="outline", size="native")
    assert Image.open(io.BytesIO(native.body)).size == (40, 30)
    grid = transfer(api, square, model="pairs", style="outline", seeds="0-3", format="grid")
    assert Image.open(io.BytesIO(grid.body)).size == (2 * 18 + 2, 2 * 14 + 2)  # 2 x 2, 2 px gaps


def test_transfer_to_a_blend_a_prompt_or_reference_images(api: Api) -> None:
    square = png(Image.new("L", (16, 16), 0))
    blend = transfer(
        api, square, model="pairs", weights='{"outline": 3, "solid": 1}', format="json"
    )
    assert blend.json()["weights"] == {"outline": 0.75, "solid": 0.25}
    prompt = transfer(api, square, model="pairs", prompt="outline", format="json").json()
    assert set(prompt["prompt_weights"]) == set(prompt["similarities"]) == {"outline", "solid"}
    assert prompt["weights"] == pytest.approx(prompt["prompt_weights"], abs=1e-4)
    references = [("reference", f"r{i}.png", square) for i in range(2)]
    guided = api.form(
        "/v1/transfer",
        {"model": "pairs", "format": "json"},
        [("image", "in.png", square), *references],
    )
    assert guided.status == 200, guided.body
    assert math.isclose(sum(guided.json()["weights"].values()), 1.0, abs_tol=1e-3)


def test_transfers_beyond_the_render_queue_get_429_with_retry_after(
    api: Api, workspace: Path
) -> None:
    """A second server on the same models (its own --db) with one slot and one queue place:
    a burst of transfers is partly served and partly refused, never failed or left hanging."""
    models = workspace / "main" / "models"
    busy = start_server(
        models,
        workspace / "cache",
        None,
        "--db",
        str(workspace / "busy.sqlite"),
        "--render-slots",
        "1",
        "--render-queue",
        "1",
    )
    square = png(Image.new("L", (16, 16), 0))

    def one(_: int) -> Answer:
        return transfer(busy, square, model="pairs", style="outline", seeds="0-63")

    try:
        statuses: list[int] = []
        for _ in range(5):
            with ThreadPoolExecutor(12) as pool:
                answers = list(pool.map(one, range(12)))
            statuses += [a.status for a in answers]
            refused = [a for a in answers if a.status == 429]
            if refused and any(a.status == 200 for a in answers):
                break
        assert set(statuses) == {200, 429}, statuses
        assert refused[0].headers["retry-after"].isdigit()
        assert_problem(refused[0], 429, "busy", "retry")
        assert transfer(busy, square, model="pairs", style="outline").status == 200
    finally:
        stop_server(busy)


def test_transfer_a_line_of_text_with_a_glyph_model(api: Api) -> None:
    line = transfer(api, model="glyphs", text="永 字", style="kai", seeds="0,1", format="json")
    assert line.status == 200, line.body
    answer = line.json()
    assert answer["size"] == [48, 16] and len(answer["images"]) == 2  # 3 tiles per line
    lacking = transfer(api, model="glyphs", text="a\U0001f600", style="kai")
    assert assert_problem(lacking, 400, "no glyph for", "\U0001f600")["field"] == "text"
    wrong_font = transfer(api, model="glyphs", text="a", style="kai", source_style="comic")
    assert assert_problem(wrong_font, 400, "comic", "hei")["field"] == "source_style"


def test_transfer_text_in_a_style_fitted_to_glyphs_named_by_character(api: Api) -> None:
    glyph = png(Image.new("L", (16, 16), 255))
    named = [("reference", "永.png", glyph), ("reference", "u5b57.png", glyph)]
    fields = {"model": "glyphs", "text": "永字", "fit": "true", "format": "json"}
    fitted = api.form("/v1/transfer", fields, named)
    assert fitted.status == 200, fitted.body
    assert fitted.json()["size"] == [32, 16]
    unnamed = api.form("/v1/transfer", fields, [("reference", "glyph.png", glyph)])
    assert assert_problem(unnamed, 400, "glyph.png", "永.png")["field"] == "reference"
    alone = api.form("/v1/transfer", {**fields, "style": "kai"}, [])
    assert assert_problem(alone, 400, "fit needs reference")["field"] == "fit"


@pytest.mark.parametrize(
    ("fields", "content", "status", "field", "words"),
    [
        ({"model": "toy", "style": "circle"}, "image", 400, "model", ["synthesis", "translation"]),
        ({"style": "cursive"}, "image", 400, "style", ["cursive", "outline, solid"]),
        ({"weights": '{"outline": -1}'}, "image", 400, "weights", [">= 0"]),
        ({"weights": "outline"}, "image", 422, "weights", ["JSON"]),
        ({}, "image", 400, "style", ["no target style", "outline, solid"]),
        ({"style": "outline", "prompt": "x"}, "image", 400, "style", ["style and prompt"]),
        ({"style": "outline", "strength": 1.5}, "image", 422, "strength", ["strength"]),
        ({"style": "outline", "size": "huge"}, "image", 400, "size", ["native"]),
        ({"style": "outline", "seed": 3}, "image", 422, "seed", ["seed"]),
        ({"style": "outline", "seeds": "0-999"}, "image", 400, "seeds", ["at most"]),
        ({"style": "outline"}, "none", 400, "image", ["no content", "text"]),
        ({"style": "outline", "text": "ab"}, "image", 400, "image", ["image and text"]),
        ({"style": "outline", "text": "ab"}, "none", 400, "text", ["not built-in fonts"]),
        ({"style": "outline"}, "not-image", 400, "image", ["not a readable image"]),
        ({"style": "outline"}, "bomb", 413, "image", ["pixels"]),
    ],
)
def test_transfer_mistakes_name_the_field(
    api: Api, fields: dict[str, Any], content: str, status: int, field: str, words: list[str]
) -> None:
    uploads = {
        "image": png(Image.new("L", (16, 16), 0)),
        "not-image": b"<html>not an image</html>",
        "bomb": png(Image.new("L", (5000, 5000), 255)),  # 25 M pixels in ~25 KB
        "none": None,
    }
    answer = transfer(api, uploads[content], **{"model": "pairs", **fields})
    assert assert_problem(answer, status, *words)["field"] == field


def test_translation_models_are_refused_where_a_synthesis_model_is_needed(api: Api) -> None:
    for path, body in [
        ("/v1/generate", {"model": "pairs", "style": "outline"}),
        ("/v1/interpolate", {"model": "pairs", "wheel": True, "seed": 0}),
        ("/v1/explain", {"model": "pairs"}),
        ("/v1/jobs", {"kind": "evaluate", "model": "pairs"}),
    ]:
        problem = assert_problem(api.call("POST", path, body), 400, "translation", "/v1/transfer")
        assert problem["field"] == "model", path


def test_mutating_endpoints_need_the_token(api: Api) -> None:
    job = {"kind": "evaluate", "model": "toy"}
    assert_problem(api.call("POST", "/v1/jobs", job, auth=False), 401, "Bearer")
    wrong = Api(api.base, "wrong", api.process, api.log)
    assert_problem(wrong.call("POST", "/v1/jobs", job), 401, "token")
    assert_problem(api.upload(b"zip", auth=False), 401)
    assert_problem(api.call("POST", "/v1/models/rescan", auth=False), 401)
    assert api.call("GET", "/v1/models", auth=False).status == 200


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_uploads_are_checked_by_content_and_size(api: Api) -> None:
    image = png(Image.new("L", (16, 16), 0))
    noise = np.random.default_rng(0).integers(0, 256, 1_500_000, dtype=np.uint8).tobytes()
    assert_problem(api.upload(noise), 413, "limit")
    assert_problem(api.upload(b"PK not really a zip"), 400, "not a zip")
    fake = _zip({"kai/a.png": image, "kai/b.png": b"<html>not an image</html>"})
    assert_problem(api.upload(fake), 400, "kai/b.png", "not a readable image")
    assert_problem(api.upload(_zip({"../evil.png": image})), 400, "unsafe path")
    assert_problem(api.upload(_zip({"kai/bomb.png": bytes(5_000_000)})), 413, "zip-bomb")
    assert_problem(api.upload(_zip({"loose.png": image})), 400, "style folder")


def test_training_job_on_an_upload_registers_its_model(api: Api, upload_id: str) -> None:
    created = api.call("POST", "/v1/jobs", train_job(upload_id, 0.04, name="toy-job"))
    assert created.status == 201, created.body
    job = api.wait_job(created.json()["id"], {"succeeded", "failed"})
    assert job["state"] == "succeeded", job
    assert job["model"] == "toy-job" and job["result"]["reason"] == "kimg reached"
    assert job["progress"]["fraction"] == 1.0
    sample = api.call("GET", job["links"]["sample"])
    assert sample.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(sample.body)).size[0] > 16
    model = api.call("GET", "/v1/models/toy-job").json()
    assert model["source"] == "job" and model["job"] == job["id"]
    drawn = api.call("POST", "/v1/generate", {"model": "toy-job", "style": "circle"})
    assert drawn.status == 200
    stream = api.call("GET", job["links"]["events"]).body.decode()
    assert "event: job" in stream and '"event": "stop"' in stream
    assert stream.rstrip().endswith('data: {"state": "succeeded"}')
    taken = api.call("POST", "/v1/jobs", train_job(upload_id, 0.04, name="toy-job"))
    assert_problem(taken, 409, "toy-job")


def test_a_translation_training_job_registers_a_translation_model(api: Api, upload_id: str) -> None:
    job = train_job(
        upload_id, 0.016, name="toy-translator", preset="translate-64", set=TINY_TRANSLATE
    )
    created = api.call("POST", "/v1/jobs", job)
    assert created.status == 201, created.body
    finished = api.wait_job(created.json()["id"], {"succeeded", "failed"})
    assert finished["state"] == "succeeded", finished
    assert api.call("GET", "/v1/models/toy-translator").json()["kind"] == "translation"
    answer = transfer(
        api, png(Image.new("L", (16, 16), 255)), model="toy-translator", style="square"
    )
    assert answer.status == 200, answer.body


def test_job_requests_are_checked_before_queueing(api: Api, upload_id: str) -> None:
    bad_set = train_job(upload_id, 0.04, set=["loss.name=wasserstein"])
    assert (
        assert_problem(api.call("POST", "/v1/jobs", bad_set), 400, "wasserstein")["field"] == "set"
    )
    no_preset = train_job(upload_id, 0.04, preset="/etc/passwd.yaml")
    assert_problem(api.call("POST", "/v1/jobs", no_preset), 400, "cpu-32")
    no_data = {"kind": "train", "dataset": "klingon"}
    assert_problem(api.call("POST", "/v1/jobs", no_data), 400, "fonts-cjk")
    assert api.call("POST", "/v1/jobs", {"kind": "paint"}).status == 422


def test_cancel_a_running_and_a_queued_job(api: Api, upload_id: str) -> None:
    running = api.call("POST", "/v1/jobs", train_job(upload_id, 1000)).json()
    queued = api.call("POST", "/v1/jobs", train_job(upload_id, 1000)).json()
    deadline = time.monotonic() + JOB_S
    while not (api.call("GET", f"/v1/jobs/{running['id']}").json()["progress"] or {}).get("step"):
        assert time.monotonic() < deadline, "the job never reported progress"
        time.sleep(0.2)
    assert api.call("GET", f"/v1/jobs/{queued['id']}").json()["state"] == "queued"
    assert api.call("DELETE", f"/v1/jobs/{queued['id']}").json()["state"] == "cancelled"
    assert api.call("DELETE", f"/v1/jobs/{running['id']}").status == 202
    job = api.wait_job(running["id"], {"cancelled", "failed", "succeeded", "interrupted"})
    assert job["state"] == "cancelled" and job["resumable"] and job["model"] is None
    assert_problem(api.call("DELETE", f"/v1/jobs/{running['id']}"), 409, "cancelled")


def test_serve_refuses_a_public_host_without_a_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("POLYSTYLE_API_TOKEN", raising=False)
    result = polystyle("serve", "--host", "0.0.0.0", "--models", str(tmp_path / "models"))
    assert result.returncode == 2
    assert "POLYSTYLE_API_TOKEN" in result.stderr and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_one_server_per_database(api: Api, workspace: Path) -> None:
    models = workspace / "main" / "models"
    result = polystyle("serve", "--models", str(models), "--port", str(_free_port()))
    assert result.returncode == 2 and "another polystyle server" in result.stderr
    assert api.call("GET", "/v1/health").status == 200


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_restart_marks_running_jobs_interrupted_and_resume_finishes_them(
    workspace: Path, backend: str
) -> None:
    """Also the PostgreSQL backend end to end: jobs, progress, resume, model registration."""
    models = workspace / f"restart-{backend}" / "models"
    models.mkdir(parents=True)
    with contextlib.ExitStack() as stack:
        db = [] if backend == "sqlite" else ["--db", stack.enter_context(temporary_postgres())]
        first = start_server(models, workspace / "cache", None, *db)
        try:
            upload = first.upload(toy_zip(models.parent)).json()["id"]
            job_id = first.call("POST", "/v1/jobs", train_job(upload, 1000)).json()["id"]
            deadline = time.monotonic() + JOB_S
            while not (first.call("GET", f"/v1/jobs/{job_id}").json()["progress"] or {}).get(
                "step"
            ):
                assert time.monotonic() < deadline, "the job never reported progress"
                time.sleep(0.2)
        finally:
            first.process.kill()
            first.process.wait()
        second = start_server(models, workspace / "cache", None, *db)
        try:
            job = second.call("GET", f"/v1/jobs/{job_id}").json()
            assert job["state"] == "interrupted" and job["resumable"], job
            kimg = round(job["progress"]["kimg"] + 0.1, 3)
            resumed = second.call("POST", f"/v1/jobs/{job_id}/resume", {"kimg": kimg})
            assert resumed.status == 202 and resumed.json()["resumed"]
            done = second.wait_job(job_id, {"succeeded", "failed"})
            assert done["state"] == "succeeded", done
            assert second.call("GET", f"/v1/models/{done['model']}").status == 200
            listed = second.call("GET", "/v1/models").json()["models"]
            assert done["model"] in [m["id"] for m in listed]
        finally:
            stop_server(second)
    if backend == "postgresql":
        assert not list(models.glob("*.sqlite")), "the PostgreSQL server wrote a SQLite file"

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from polystyle.training.checkpoint import latest_checkpoint
from tests.conftest import TINY_TRAIN
from tests.e2e.test_cli import polystyle


def train_args(data: Path, out: Path, *extra: str) -> list[str]:
    sets = [arg for item in TINY_TRAIN for arg in ("--set", item)]
    return [
        "train",
        str(data),
        "--preset",
        "cpu-32",
        "--out",
        str(out),
        "--name",
        "r",
        *sets,
        *extra,
    ]


def tiny_model(tmp: Path) -> Path:
    """Train a tiny model on the toy shapes under `tmp` (a few seconds); its model folder."""
    from tests.conftest import toy_shapes

    data = toy_shapes(tmp / "toy")
    trained = polystyle(*train_args(data, tmp, "--kimg", "0.04", "--json"))
    assert trained.returncode == 0, trained.stderr
    return Path(json.loads(trained.stdout.strip().splitlines()[-1])["model"])


def test_train_generate_info_round_trip(toy_data: Path, tmp_path: Path) -> None:
    trained = polystyle(*train_args(toy_data, tmp_path, "--kimg", "0.04", "--json"))
    assert trained.returncode == 0, trained.stderr
    result = json.loads(trained.stdout.strip().splitlines()[-1])
    assert result["step"] == 5 and result["reason"] == "kimg reached"
    run = tmp_path / "r"
    assert (run / "config.yaml").is_file() and (run / "loss_curve.png").is_file()
    rows = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    assert {"img_s", "g_loss", "d_loss", "r1", "g_grad_norm", "lr_scale"} <= rows[-1].keys()
    assert sorted(p.name for p in (run / "samples").iterdir())[-1] == "step-00000005.png"
    info = polystyle("info", result["model"], "--json")
    assert json.loads(info.stdout)["styles"][0]["name"] == "circle"
    out = tmp_path / "gen"
    generated = polystyle(
        "generate",
        result["model"],
        "--style",
        "square",
        "--seeds",
        "0-2",
        "--out",
        str(out),
        "--json",
    )
    assert generated.returncode == 0, generated.stderr
    assert len(json.loads(generated.stdout)["files"]) == 3
    again = polystyle(
        "generate",
        result["model"],
        "--style",
        "square",
        "--seeds",
        "1",
        "--out",
        str(tmp_path / "gen2"),
    )
    assert again.returncode == 0
    assert (out / "square-seed0001.png").read_bytes() == (
        tmp_path / "gen2" / "square-seed0001.png"
    ).read_bytes()
    grid = polystyle("generate", result["model"], "--seeds", "0-3", "--grid", "--out", str(out))
    assert "grid-all.png" in grid.stdout


def _wait_for(predicate, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        time.sleep(0.1)


def _start(args: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "polystyle.cli", *args],
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=os.environ.copy(),
    )


def test_sigint_saves_a_checkpoint_and_exits_cleanly(toy_data: Path, tmp_path: Path) -> None:
    process = _start(train_args(toy_data, tmp_path, "--kimg", "1000"))
    metrics = tmp_path / "r" / "metrics.jsonl"
    _wait_for(lambda: metrics.is_file() and metrics.stat().st_size > 0)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "interrupted by SIGINT" in stdout
    name = latest_checkpoint(tmp_path / "r" / "checkpoints")
    state = json.loads((tmp_path / "r" / "checkpoints" / f"{name}.json").read_text())["state"]
    assert state["step"] >= 2
    assert (tmp_path / "r" / "model" / "model.json").is_file()


def test_kill_9_loses_at_most_the_steps_since_the_last_checkpoint(
    toy_data: Path, tmp_path: Path
) -> None:
    process = _start(
        train_args(toy_data, tmp_path, "--kimg", "1000", "--set", "train.checkpoint_every=3")
    )
    checkpoints = tmp_path / "r" / "checkpoints"
    _wait_for(lambda: (latest_checkpoint(checkpoints) or "step-0") >= "step-00000006")
    process.kill()
    process.communicate(timeout=60)
    saved = int(latest_checkpoint(checkpoints).split("-")[1])
    resumed = polystyle(
        "resume", str(tmp_path / "r"), "--kimg", str((saved + 2) * 8 / 1000), "--json"
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"resumed {tmp_path / 'r'} at step {saved}" in resumed.stdout
    assert json.loads(resumed.stdout.strip().splitlines()[-1])["step"] == saved + 2


def test_training_mistakes_are_one_line_errors(toy_data: Path, tmp_path: Path) -> None:
    bad = polystyle(
        "train", str(toy_data), "--set", "loss.name=wasserstein", "--out", str(tmp_path)
    )
    assert bad.returncode == 2 and "unknown loss 'wasserstein'" in bad.stderr
    assert "Traceback" not in bad.stderr
    missing = polystyle("resume", str(tmp_path / "nope"))
    assert missing.returncode == 2 and "not a polystyle run folder" in missing.stderr
    not_model = polystyle("generate", str(tmp_path))
    assert not_model.returncode == 2 and "not a polystyle model folder" in not_model.stderr

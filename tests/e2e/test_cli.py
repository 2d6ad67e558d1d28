from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import save_image, solid


def polystyle(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "polystyle.cli", *args],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=300,
        check=False,
    )


def test_datasets_list_json() -> None:
    result = polystyle("datasets", "list", "--json")
    assert result.returncode == 0, result.stderr
    assert {d["name"] for d in json.loads(result.stdout)} == {"fonts-cjk", "emoji"}


def test_build_then_inspect_with_sheet(tmp_path: Path) -> None:
    out = tmp_path / "fc"
    built = polystyle(
        "datasets",
        "build",
        "fonts-cjk",
        "--out",
        str(out),
        "--size",
        "32",
        "--chars",
        "12",
        "--json",
    )
    assert built.returncode == 0, built.stderr
    summary = json.loads(built.stdout)
    assert summary["built"] is True and summary["images"] == 96 and summary["paired_stems"] == 12
    sheet = tmp_path / "sheet.png"
    shown = polystyle("datasets", "inspect", str(out), "--size", "32", "--sheet", str(sheet))
    assert shown.returncode == 0, shown.stderr
    assert "8 styles, 96 images at 32 px" in shown.stdout
    assert "problems: none" in shown.stdout
    assert sheet.stat().st_size > 0
    again = polystyle(
        "datasets", "build", "fonts-cjk", "--out", str(out), "--size", "32", "--chars", "12"
    )
    assert "already up to date" in again.stdout


def test_inspect_reports_skipped_files_and_succeeds(tmp_path: Path) -> None:
    root = tmp_path / "data"
    save_image(root / "kai" / "a.png", solid(8, 0))
    (root / "kai" / "b.png").write_text("not an image")
    result = polystyle("datasets", "inspect", str(root), "--size", "16", "--json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["problem_counts"] == {"not-an-image": 1}
    assert summary["styles"][0]["count"] == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("datasets", "inspect", "/no/such/folder"), "neither a folder nor a built-in dataset"),
        (("datasets", "inspect", ".", "--size", "8"), "--size"),
        (("datasets", "build", "klingon"), "unknown dataset 'klingon'; valid datasets: emoji"),
    ],
)
def test_user_mistakes_are_one_line_errors(args: tuple[str, ...], message: str) -> None:
    result = polystyle(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1

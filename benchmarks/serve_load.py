"""HTTP load: N concurrent clients asking `polystyle serve` for one 64 px image each.

Starts a real server process on loopback with MODEL registered, runs `--clients` threads
for `--seconds`, each POSTing /v1/generate (one seed, PNG) in a loop with its own seeds, and
reports requests/s, p50/p99 latency and errors, once per `--max-batch` setting (the server
drawing waiting requests together, or one by one with 1). Baselines in the same run: the
server with `--max-batch 1`, and the same images rendered in-process by SynthesisPipeline one
request at a time (no HTTP, no concurrency), so the ratios show what batching and the server
add or recover.

Run: .venv/bin/python benchmarks/serve_load.py MODEL_DIR [--clients 8] [--seconds 60]
     [--max-batch 1 --max-batch 16]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import torch

from polystyle.pipelines import SynthesisPipeline


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"{url}/v1/health", timeout=2).read()
            return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.3)
    raise SystemExit("the server did not come up")


def client(url: str, model: str, style: str, first_seed: int, stop: float, out: list) -> None:
    seed = first_seed
    while time.monotonic() < stop:
        body = json.dumps({"model": model, "style": style, "seeds": [seed]}).encode()
        request = urllib.request.Request(
            f"{url}/v1/generate", body, {"Content-Type": "application/json"}
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                ok = response.status == 200
        except (urllib.error.URLError, ConnectionError):
            ok = False
        out.append((time.perf_counter() - started, ok))
        seed += 1000


def in_process_rate(model_dir: Path, style: str, seconds: float) -> float:
    pipe = SynthesisPipeline.from_pretrained(model_dir, device="cpu")
    count, stop = 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        pipe(style, seeds=[count]).images[0]
        count += 1
    return count / seconds


def load(model_dir: Path, style: str, clients: int, seconds: float, max_batch: int) -> list:
    """(latency, ok) per request of `clients` threads for `seconds` against a fresh server."""
    with tempfile.TemporaryDirectory() as tmp:
        models = Path(tmp) / "models"
        shutil.copytree(model_dir, models / "demo")
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {k: v for k, v in os.environ.items() if k != "POLYSTYLE_API_TOKEN"}
        server = subprocess.Popen(
            [sys.executable, "-m", "polystyle.cli", "serve", "--models", str(models),
             "--port", str(port), "--device", "cpu", "--max-batch", str(max_batch)],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            wait_ready(url)
            client(url, "demo", style, 10**6, time.monotonic() + 3, [])  # warm-up
            results: list[tuple[float, bool]] = []
            stop = time.monotonic() + seconds
            workers = [
                threading.Thread(target=client, args=(url, "demo", style, i, stop, results))
                for i in range(clients)
            ]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        finally:
            server.terminate()
            server.wait(timeout=30)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model", type=Path)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--max-batch", type=int, action="append", dest="batches")
    args = parser.parse_args()
    batches = args.batches or [1, 16]
    threads = os.cpu_count() or 1
    torch.set_num_threads(threads)
    style = json.loads((args.model / "model.json").read_text())["styles"][0]["name"]
    runs = {b: load(args.model, style, args.clients, args.seconds, b) for b in batches}
    baseline = in_process_rate(args.model, style, min(args.seconds, 20))
    print(f"machine: {platform.machine()}, {threads} cores, torch {torch.__version__}")
    print(f"{args.clients} clients x {args.seconds:g} s, one {style} image per request\n")
    print(
        "| --max-batch | requests/s | p50 ms | p99 ms | errors | vs first row "
        "| in-process baseline img/s | vs in-process |"
    )
    print("|---|---|---|---|---|---|---|---|")
    first = None
    for batch, results in runs.items():
        latencies = sorted(t for t, ok in results if ok)
        errors = sum(1 for _, ok in results if not ok)
        rate = len(latencies) / args.seconds
        first = first or rate
        p50 = statistics.median(latencies) * 1000 if latencies else float("nan")
        p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else float("nan")
        print(
            f"| {batch} | {rate:.1f} | {p50:.1f} | {p99:.1f} | {errors} | {rate / first:.2f}x "
            f"| {baseline:.1f} | {rate / baseline:.2f} |"
        )


if __name__ == "__main__":
    main()

"""`polystyle serve`: the HTTP API (and the browser UI when installed) on one port."""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

from polystyle.server.settings import MIB, TOKEN_ENV, ServerSettings, check_exposure


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="the HTTP API: models, generation, explanations, training jobs (docs at /docs)",
        epilog=f"With {TOKEN_ENV} set, jobs, uploads, explain and rescan need "
        "'Authorization: Bearer <token>'; without it the server only listens on loopback.",
    )
    parser.add_argument(
        "--models", type=Path, default=Path("models"), help="folder of model folders (models/)"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--max-jobs", type=int, default=1, help="jobs running at once")
    parser.add_argument(
        "--db",
        help="job and model records: a SQLite file (default: MODELS/polystyle.sqlite) or a "
        "PostgreSQL URL, postgresql://user:password@host/database",
    )
    parser.add_argument("--device", default="auto", help="auto | cpu | cuda, for renders and jobs")
    parser.add_argument(
        "--max-upload-mb", type=float, default=64, help="largest dataset zip accepted"
    )
    parser.add_argument("--timeout", type=float, default=120, help="seconds one render may take")
    parser.add_argument(
        "--render-slots", type=int, default=2, help="renders at once (more wait in the queue)"
    )
    parser.add_argument(
        "--render-queue", type=int, default=32, help="renders that may wait for a slot"
    )
    parser.add_argument(
        "--max-batch",
        type=int,
        default=16,
        help="generate requests waiting together drawn in one generator call (1 = one by one)",
    )
    parser.set_defaults(handler=run_serve)


def run_serve(args: argparse.Namespace) -> int:
    token = os.environ.get(TOKEN_ENV) or None
    check_exposure(args.host, token)
    settings = ServerSettings(
        models_dir=args.models,
        db=args.db,
        max_jobs=args.max_jobs,
        token=token,
        device=args.device,
        max_upload_bytes=int(args.max_upload_mb * MIB),
        request_timeout_s=args.timeout,
        generation_slots=args.render_slots,
        render_queue=args.render_queue,
        max_batch=args.max_batch,
    )
    # Imported here: every `polystyle` command (and every job process) loads this module,
    # and only `serve` needs the web stack.
    import uvicorn

    from polystyle.server.app import create_app

    app = create_app(settings)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s: %(name)s: %(message)s")
    print(
        f"polystyle API on http://{args.host}:{args.port} (docs: /docs), "
        f"models from {settings.models_dir}",
        flush=True,
    )
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level="info",
        timeout_graceful_shutdown=5,
    )
    return 0

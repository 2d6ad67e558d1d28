"""A job process: `python -m polystyle.server.worker VERB ARGS...` runs `polystyle VERB ARGS`.

It is the CLI, plus one promise: the process does not outlive the server that started it. On
Linux the kernel signals the process when the server's job thread dies (PR_SET_PDEATHSIG),
even if the server was killed with SIGKILL; the process turns that into one SIGTERM, which
the trainer answers by writing a checkpoint and stopping, so a restarted server finds the run
resumable instead of racing a stray trainer. One, because the kernel repeats the parent-death
signal each time the orphan is handed to another of the dying server's threads, and a second
SIGTERM during the final checkpoint (after the trainer restored the default handler) would
kill the process half-way through writing it. Elsewhere the server's shutdown still stops its
jobs; only a hard kill leaves them running, and a restarted server stops them then (see
`JobRunner.recover`).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from typing import Any

PARENT_ENV = "POLYSTYLE_SERVER_PID"
_PR_SET_PDEATHSIG = 1
_DEATH_SIGNAL = signal.SIGUSR1


def die_with_parent() -> None:
    notified = False

    def on_parent_death(_signum: int, _frame: Any) -> None:
        nonlocal notified
        if not notified:
            notified = True
            os.kill(os.getpid(), signal.SIGTERM)

    expected = os.environ.get(PARENT_ENV)
    if sys.platform.startswith("linux"):
        signal.signal(_DEATH_SIGNAL, on_parent_death)
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, _DEATH_SIGNAL, 0, 0, 0)
    if expected is not None and os.getppid() != int(expected):
        sys.exit(1)  # the server died before the line above took effect


def main() -> int:
    die_with_parent()
    from polystyle.cli import main as cli_main

    return cli_main(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())

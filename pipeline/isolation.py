"""Extraction in a separate process with a time and a memory limit.

PDF parsers meet hostile input: decompression bombs, cyclic page trees, 35,000-pixel images. Running each
file in its own process turns a hang into ``E_TIMEOUT``, a memory blow-up into ``E_MEMORY`` and a crash of
the native library into ``E_CRASH`` — one line for that file — and the batch goes on. Workers are forked
from a small server process that has already imported the extraction code, so each file costs a fork,
not a fresh interpreter.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import signal
import sys
import threading
import traceback
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from multiprocessing.connection import Connection
from pathlib import Path

from .errors import E_CRASH, E_INTERNAL, E_MEMORY, E_TIMEOUT, BlamineError
from .extract import ExtractOptions, extract
from .model import Document

_CONTEXT = multiprocessing.get_context("forkserver")
_CONTEXT.set_forkserver_preload(["pipeline.extract"])


@dataclass(frozen=True)
class Limits:
    """Per-file limits: wall-clock seconds, and memory in MB on top of what the worker starts with."""

    timeout: float = 1800.0
    max_memory_mb: int | None = 4096


def extract_isolated(
    path: str | Path, options: ExtractOptions | None = None, limits: Limits | None = None
) -> Document:
    """:func:`pipeline.extract.extract` in a worker process under ``limits``; failures are BlamineErrors."""
    limits = limits or Limits()
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    worker = _CONTEXT.Process(
        target=_work,
        args=(sender, str(path), options or ExtractOptions(), limits.max_memory_mb),
        daemon=False,
    )
    with _main_script_hidden():
        worker.start()
    sender.close()
    try:
        if not receiver.poll(limits.timeout):
            raise BlamineError(path, f"took longer than the limit of {limits.timeout:g} s", E_TIMEOUT)
        try:
            status, payload = receiver.recv()
        except EOFError:
            worker.join(5)
            raise BlamineError(path, _death_reason(worker.exitcode, limits), E_CRASH) from None
    finally:
        receiver.close()
        worker.join(5)
        if worker.is_alive() and worker.pid is not None:
            # The worker leads its own process group: tesseract runs and OCR workers go with it.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(worker.pid, signal.SIGKILL)
            worker.join(5)
    if status == "ok":
        return payload
    raise BlamineError(*payload)


_MAIN_LOCK = threading.Lock()


@contextlib.contextmanager
def _main_script_hidden() -> Iterator[None]:
    """Start a worker without making it re-run the program's main script.

    A forkserver (or spawn) child imports the parent's ``__main__`` again, so that functions defined there
    can be unpickled. Ours live in this module; for the ``blamine`` script, re-running it would import the
    whole CLI, about 2 s per file (measured by bench/bench_ingest.py at ``--jobs 1``). With ``__main__``'s
    file and spec hidden while the worker starts, multiprocessing sends no main module to re-import.
    The lock keeps threads (``--backend threading``) from restoring each other's half-hidden state."""
    main = sys.modules["__main__"]
    with _MAIN_LOCK:
        hidden = {name: main.__dict__.pop(name) for name in ("__file__", "__spec__") if name in main.__dict__}
        main.__spec__ = None
        try:
            yield
        finally:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(hidden)


def _death_reason(exitcode: int | None, limits: Limits) -> str:
    signal = f"signal {-exitcode}" if exitcode is not None and exitcode < 0 else f"exit code {exitcode}"
    memory = f" (memory limit {limits.max_memory_mb} MB)" if limits.max_memory_mb else ""
    return f"the PDF library crashed on this file ({signal}){memory}"


def _work(sender: Connection, path: str, options: ExtractOptions, max_memory_mb: int | None) -> None:
    """Worker body: apply the memory limit, extract, send back the document or the error."""
    os.setpgid(0, 0)
    limit = None
    if max_memory_mb:
        limit = _virtual_memory() + max_memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        sender.send(("ok", extract(path, **asdict(options))))
    except BlamineError as exc:
        sender.send(("error", exc.as_tuple()))
    except Exception as exc:  # every failure must come back as one line
        # Running out of memory surfaces as MemoryError, ENOMEM or odd errors from native code; the
        # peak address-space use tells whether the limit was the cause.
        if isinstance(exc, MemoryError) or (limit is not None and _peak_virtual_memory() >= 0.9 * limit):
            sender.send(("error", (path, f"over the memory limit of {max_memory_mb} MB", E_MEMORY)))
        else:
            reason = f"internal error {type(exc).__name__}: {exc}"
            sender.send(("error", (path, reason, E_INTERNAL, traceback.format_exc())))
    finally:
        sender.close()


def _virtual_memory() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


def _peak_virtual_memory() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmPeak:"):
                return int(line.split()[1]) * 1024
    return 0

"""Run N replicates of an exercise function in parallel on Dask, reproducibly.

Replicate ``i`` receives the ``i``-th child of ``numpy.random.SeedSequence(seed)``
(``SeedSequence(seed).spawn(n)``) and nothing else random, so its result depends
only on ``(seed, i)``: the same seed gives bit-for-bit the same results with 1 or
with many workers, in any completion order, on a local cluster or a remote
scheduler. Results come back in replicate order.

Replicates are sent to the workers in batches (a few per worker) so that cheap
replicates are not drowned in scheduling overhead.

A replicate function must not share mutable state between tasks: with thread
workers (``processes=False``) an :class:`~sarex.environment.Environment`, whose
sampling uses scratch buffers, must be built inside each task (or per thread).
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import numpy as np

from sarex.errors import SarexInputError

T = TypeVar("T")


def replicate_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """The ``n`` independent child seed sequences of ``seed``."""
    if n < 1:
        raise SarexInputError(f"replicates: {n} must be >= 1")
    return np.random.SeedSequence(int(seed)).spawn(int(n))


def _run_batch(fn: Callable[..., T], indices: Sequence[int], seeds: Sequence[np.random.SeedSequence], args: tuple, kwargs: dict) -> list[T]:
    return [fn(i, s, *args, **kwargs) for i, s in zip(indices, seeds)]


def run_serial(fn: Callable[..., T], n: int, seed: int, *args: Any, **kwargs: Any) -> list[T]:
    """Run the replicates in this process, in order (the reference the parallel run must equal)."""
    seeds = replicate_seeds(seed, n)
    return _run_batch(fn, range(n), seeds, args, kwargs)


def run_replicates(
    fn: Callable[..., T],
    n: int,
    seed: int,
    *args: Any,
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    batch_size: int | None = None,
    progress: bool | Callable[[int, int], None] = True,
    connect_timeout_s: float = 10.0,
    **kwargs: Any,
) -> list[T]:
    """Run ``fn(i, seed_sequence_i, *args, **kwargs)`` for ``i = 0 … n-1`` on Dask.

    Parameters
    ----------
    fn
        Replicate function; must be importable (picklable) when workers are processes.
    n
        Number of replicates.
    seed
        Master seed.
    scheduler
        Address of a running Dask scheduler (``tcp://host:8786``); default: start
        a ``distributed.LocalCluster`` for the duration of the call.
    workers
        Workers of the local cluster (one thread each).
    processes
        Local workers as processes (True) or threads in this process (False).
    batch_size
        Replicates per task (default: about 4 tasks per worker).
    progress
        Show a rich progress bar (True), nothing (False), or call ``progress(done, n)``.
    connect_timeout_s
        How long to try to reach ``scheduler``, s.

    Returns
    -------
    list
        The results, in replicate order.
    """
    from distributed import as_completed

    seeds = replicate_seeds(seed, n)
    if batch_size is None:
        batch_size = max(1, math.ceil(n / (4 * max(1, workers))))
    batches = [list(range(i, min(n, i + batch_size))) for i in range(0, n, batch_size)]
    results: list[Any] = [None] * n
    with dask_client(scheduler, workers, processes=processes, connect_timeout_s=connect_timeout_s) as client:
        futures = {
            client.submit(_run_batch, fn, b, [seeds[i] for i in b], args, kwargs, pure=False): b for b in batches
        }
        with _bar(progress, n) as tick:
            for fut in as_completed(futures):
                b = futures[fut]
                for i, r in zip(b, fut.result()):
                    results[i] = r
                tick(len(b))
    return results


@contextlib.contextmanager
def dask_client(scheduler: str | None = None, workers: int = 2, *, processes: bool = True,
                connect_timeout_s: float = 10.0) -> Iterator[Any]:
    """A ``distributed.Client``: on the scheduler at ``scheduler``, else on a LocalCluster of ``workers``.

    The local cluster (one thread per worker) lives as long as the ``with`` block.
    A bad ``workers`` or an unreachable scheduler is a :class:`SarexInputError` naming the option.
    """
    from distributed import Client, LocalCluster

    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise SarexInputError(f"--workers: {workers} must be > 0")
    cluster = None
    if scheduler is None:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=processes, dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    else:
        _check_address(scheduler)
        try:
            client = Client(scheduler, timeout=f"{connect_timeout_s}s")
        except (OSError, TimeoutError, ValueError) as exc:
            msg = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise SarexInputError(f"--scheduler: cannot connect to {scheduler!r} ({msg})") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _check_address(scheduler: str) -> None:
    """Refuse a scheduler address that is not one (before a client's background thread fails on it)."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import parse_host_port

    try:
        scheme, loc = parse_address(scheduler)
        if scheme in ("tcp", "tls"):
            parse_host_port(loc, 8786)
    except ValueError as exc:
        raise SarexInputError(f"--scheduler: cannot connect to {scheduler!r} (not an address: {exc})") from None


class _bar:
    """Context manager giving a ``tick(k)`` callable: rich progress bar, a callback, or nothing."""

    def __init__(self, progress: bool | Callable[[int, int], None], n: int) -> None:
        self.progress = progress
        self.n = n
        self.done = 0
        self._p = None

    def __enter__(self):
        if self.progress is True:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            console = Console(stderr=True)
            self._p = Progress(
                TextColumn("replicates"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                console=console, transient=True, disable=not console.is_terminal,
            )
            self._p.__enter__()
            self._task = self._p.add_task("replicates", total=self.n)

        def tick(k: int) -> None:
            self.done += k
            if self._p is not None:
                self._p.update(self._task, completed=self.done)
            elif callable(self.progress):
                self.progress(self.done, self.n)

        return tick

    def __exit__(self, *exc) -> None:
        if self._p is not None:
            self._p.__exit__(*exc)

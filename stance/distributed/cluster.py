"""Reaching Ray: import it with a clear message when it is missing, and join a cluster or
start one on this machine."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

INSTALL_HINT = "pip install 'stance[ray]'"


class RayNotInstalledError(ImportError):
    """Ray (with its ``data`` extra) is needed for the Ray engine but is not installed."""


def import_ray():
    """``ray`` and ``ray.data``, or :class:`RayNotInstalledError` naming the install command."""
    try:
        import ray
        import ray.data  # noqa: F401  (the extra that brings pandas and pyarrow)
    except ImportError as err:
        raise RayNotInstalledError(
            f"the Ray engine needs Ray Data, which is not installed here ({err}); install it with "
            f"{INSTALL_HINT} (or use the local scorer: leave out --engine ray)") from None
    return ray


def local_cpus() -> int:
    """The CPUs this process may run on (the affinity mask, not the machine's total)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


@dataclass
class Connection:
    """A Ray session this process is part of; ``started`` when we started it (and so stop it)."""

    address: str | None
    started: bool

    def resources(self) -> dict[str, float]:
        import ray

        return dict(ray.cluster_resources())

    def close(self) -> None:
        if self.started:
            import ray

            ray.shutdown()


def connect(address: str | None = None, num_cpus: int | None = None) -> Connection:
    """Join the Ray cluster at ``address`` (``auto``, ``HOST:PORT`` or ``ray://HOST:10001``), or
    without one start Ray on this machine with ``num_cpus`` (default: all this process may use).

    A session this process already joined is reused as it is. Ray's own chatter (progress
    bars, execution plans) is switched off: the scorer shows its own progress.
    """
    ray = import_ray()
    data_context = ray.data.DataContext.get_current()
    data_context.enable_progress_bars = False
    data_context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    logging.getLogger("ray.data._internal.progress").setLevel(logging.ERROR)  # "bars disabled"
    if ray.is_initialized():
        return Connection(address, started=False)
    options = dict(logging_level=logging.WARNING, log_to_driver=False, include_dashboard=False)
    if address:
        try:
            ray.init(address=address, **options)
        except (ConnectionError, RuntimeError, ValueError) as err:
            raise ConnectionError(
                f"cannot reach the Ray cluster at {address!r}: {err}. Check the address (on a node "
                "of the cluster, --address auto; from outside, ray://HEAD:10001) and that the "
                "cluster runs the same Ray version as here") from None
    else:
        ray.init(num_cpus=num_cpus or local_cpus(), **options)
    return Connection(address, started=True)

"""How many model actors to run, and what each one reserves, from the cluster's resources.

The model is the expensive step (about 94% of the work on a CPU; see the README's Speed
section), so the actors get nearly everything: on a CPU cluster one actor per
``cpus_per_actor`` CPUs, each reserving 0.9 of every CPU it computes on; reading, HTML
extraction and splitting run as separate stateless tasks of 0.1 CPU each in the tenth
left over. Where the cluster has GPUs (and ``device`` is ``auto`` or ``cuda``) there is
one actor per GPU instead.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

#: Share of each CPU a model actor reserves; the rest is for the stateless steps.
MODEL_SHARE = 0.9
#: Logical CPUs of one reading/splitting task.
PREPARE_CPUS = 0.1


class ActorPlanError(ValueError):
    """The actors asked for cannot run on this cluster."""


@dataclass(frozen=True)
class ActorPlan:
    actors: int
    device: str  # "cpu" or "cuda"
    threads: int  # torch threads in each actor
    num_cpus: float  # logical CPUs each actor reserves
    num_gpus: float
    prepare_tasks: int  # at most this many reading/splitting tasks at once
    note: str | None = None  # a warning to show (the actors may wait for resources)

    def describe(self) -> str:
        each = "1 GPU" if self.num_gpus else f"{self.threads} CPU thread{'s' * (self.threads > 1)}"
        return f"{self.actors} model actor{'s' * (self.actors > 1)} ({each} each)"


def plan_actors(resources: Mapping[str, float], device: str = "auto", actors: int | None = None,
                cpus_per_actor: int = 1, strict: bool = True) -> ActorPlan:
    """Size the actor pool for ``resources`` (as ``ray.cluster_resources()`` gives them).

    ``strict`` (a cluster started here, which cannot grow): a plan that does not fit raises
    :class:`ActorPlanError`; otherwise (a cluster that may autoscale) it carries a note.
    """
    if device not in ("auto", "cpu", "cuda"):
        raise ActorPlanError(f"unknown device {device!r}; use cpu, cuda or auto")
    if actors is not None and actors < 1:
        raise ActorPlanError(f"--actors must be at least 1, got {actors}")
    if cpus_per_actor < 1:
        raise ActorPlanError(f"--cpus-per-actor must be at least 1, got {cpus_per_actor}")
    cpus = float(resources.get("CPU", 0))
    gpus = float(resources.get("GPU", 0))
    if device == "cuda" and gpus < 1:
        raise ActorPlanError("--device cuda was asked for, but the Ray cluster has no GPU; use "
                             "--device cpu (or auto), or add GPU nodes to the cluster")
    if device != "cpu" and gpus >= 1:
        count = actors or int(gpus)
        reserve = min(MODEL_SHARE, cpus * MODEL_SHARE / count) if cpus else 0.0
        plan = ActorPlan(count, "cuda", cpus_per_actor, round(reserve, 3), 1.0,
                         max(1, int(cpus - count * reserve)))
        short = count > gpus
        need = f"{count} GPUs, the cluster has {gpus:g}"
    else:
        count = actors or max(1, int(cpus // cpus_per_actor))
        reserve = cpus_per_actor * MODEL_SHARE
        plan = ActorPlan(count, "cpu", cpus_per_actor, reserve, 0.0, count)
        short = count * reserve + PREPARE_CPUS > cpus + 1e-9
        wanted = math.ceil(count * reserve + PREPARE_CPUS)
        need = f"{count} actor(s) of {cpus_per_actor} CPU(s) need {wanted} CPUs, the cluster has {cpus:g}"
    if not short:
        return plan
    message = f"{need}: lower --actors (or --cpus-per-actor), or add nodes"
    if strict:
        raise ActorPlanError(message)
    return ActorPlan(**{**plan.__dict__, "note": f"{message}; the actors wait until the cluster "
                                                 "has room (an autoscaling cluster adds nodes)"})

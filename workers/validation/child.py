"""The evaluator child: confined first, then it keeps backbones warm and evaluates deltas on request.

It never touches the database (Django is not even set up here): requests name files the worker already
fetched and checked, and the child answers with events the worker records.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import sys
import traceback
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import TYPE_CHECKING

from deltacenter.families import HEAD_FAMILIES
from hub.evaluation.baselines import trivial_score
from workers.validation.errors import BackboneUnavailable, ValidationFailed
from workers.validation.messages import receive, send
from workers.validation.sandbox import confine

if TYPE_CHECKING:
    import torch

    from workers.validation.attach import Attached
    from workers.validation.backbones import BackboneCache, LoadedBackbone
    from workers.validation.evaluate import SuiteOutcome

# Reports one event to the worker: emit(stage="attach"), emit(done=True)...
Emit = Callable[..., None]


@dataclasses.dataclass(frozen=True)
class SuiteSpec:
    """What the child needs of an evaluation suite, with the attribute names of the suite model."""

    name: str
    kind: str
    metric: str
    split: dict
    options: dict
    input_fields: list
    label_field: str
    label_names: list
    dataset_path: str


def serve(connection: Connection, memory_bytes: int, backbone_budget_bytes: int, device: str, mode: str) -> None:
    """The child's main loop: one request at a time until the worker closes its end of the pipe."""
    mode = confine(memory_bytes, device, mode)
    from workers.validation.backbones import BackboneCache

    cache = BackboneCache(backbone_budget_bytes)
    while True:
        try:
            request = receive(connection)
        except EOFError:
            return
        answer({**request, "sandbox": mode}, cache, lambda **event: send(connection, event))


def answer(request: dict, cache: BackboneCache, emit: Emit) -> None:
    """Emit the request's events, then exactly one last event: done, failed, unavailable or error."""
    try:
        HANDLERS[request["kind"]](request, cache, emit)
    except ValidationFailed as exc:
        emit(failed={"code": exc.code, "message": exc.message, "detail": exc.detail})
    except BackboneUnavailable as exc:
        emit(unavailable={"code": exc.code, "message": str(exc)})
    except Exception as exc:
        if _out_of_memory(exc):
            os._exit(1)  # the worker reports the death as a crash; a fresh child sheds any half-built state
        emit(error=f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}")
    else:
        emit(done=True)


def evaluate(request: dict, cache: BackboneCache, emit: Emit) -> None:
    """Load (or find warm) the backbone for the delta's family, attach the delta, run each suite.

    An attached delta that must not be scored (no task head of its own, say) is reported as unscored.
    """
    from workers.validation.attach import attached

    emit(stage="load_backbone")
    loaded = cache.get(
        request["backbone_hash"], request["backbone_dir"], request["family"], request["num_labels"], request["device"]
    )
    emit(runtime=runtime(request["device"], loaded.model.dtype, request.get("sandbox", "none")))
    emit(stage="attach")
    with attached(loaded, request["delta_dir"]) as attachment:
        emit(trainable=attachment.trainable)
        if attachment.unscored:
            code, message = attachment.unscored
            emit(unscored={"code": code, "message": message})
            return
        known = request.get("backbone_scores", {})
        for suite in (SuiteSpec(**spec) for spec in request["suites"]):
            emit(stage=f"evaluate:{suite.name}")
            rows = _rows(suite)
            outcome = dataclasses.asdict(_run_suite(attachment.model, loaded, suite, rows))
            baseline = {"trivial": trivial_score(suite.kind, suite.metric, rows, suite.label_names)}
            if suite.name in known:
                baseline["backbone"] = known[suite.name]
            elif _detachable(attachment, loaded):
                emit(stage=f"baseline:{suite.name}")
                with attachment.model.disable_adapter():
                    baseline["backbone"] = _run_suite(attachment.model, loaded, suite, rows).score
            emit(suite=suite.name, outcome=outcome, baseline=baseline)


def runtime(device: str, dtype: torch.dtype, sandbox: str) -> dict:
    """The device, precision, software and confinement this child evaluates with; torch is loaded here only."""
    import torch

    from workers.validation.evaluate import software_versions

    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    software = {**software_versions(), "dtype": str(dtype).removeprefix("torch."), "sandbox": sandbox}
    return {"device": name, "software": software}


def _rows(suite: SuiteSpec) -> list:
    from workers.validation.datasets import rows_from

    return rows_from(suite.dataset_path, suite)


def _run_suite(model: torch.nn.Module, loaded: LoadedBackbone, suite: SuiteSpec, rows: list) -> SuiteOutcome:
    from workers.validation.evaluate import harness_for, run_suite

    return run_suite(harness_for(model, loaded.tokenizer), suite, rows)


def _detachable(attachment: Attached, loaded: LoadedBackbone) -> bool:
    """Whether the backbone alone makes a baseline: a PEFT delta (which can be switched off) on a backbone
    that runs without it. A classifier's head is the delta's own: without it, the head is random."""
    return hasattr(attachment.model, "disable_adapter") and loaded.family not in HEAD_FAMILIES


def probe_network(request: dict, cache: BackboneCache, emit: Emit) -> None:
    """Try to reach host:port from inside the sandbox; proves the confinement holds."""
    try:
        socket.create_connection((request["host"], request["port"]), timeout=2).close()
    except OSError as exc:
        emit(reached=False, reason=f"{type(exc).__name__}: {exc}")
    else:
        emit(reached=True, reason="")


def probe_read(request: dict, cache: BackboneCache, emit: Emit) -> None:
    """Try to read each path from inside the sandbox; proves what the child can see of the host."""
    readable = {}
    for path in request["paths"]:
        try:
            with open(path, "rb") as handle:
                handle.read(1)
        except OSError:
            readable[path] = False
        else:
            readable[path] = True
    emit(readable=readable)


def _out_of_memory(exc: BaseException) -> bool:
    # Under the address-space ceiling torch reports a failed allocation as a RuntimeError, not MemoryError.
    return isinstance(exc, MemoryError) or "can't allocate memory" in str(exc)


HANDLERS = {"evaluate": evaluate, "probe_network": probe_network, "probe_read": probe_read}


if __name__ == "__main__":
    descriptor, memory_bytes, backbone_budget_bytes, device, mode = sys.argv[1:]
    serve(Connection(int(descriptor)), int(memory_bytes), int(backbone_budget_bytes), device, mode)

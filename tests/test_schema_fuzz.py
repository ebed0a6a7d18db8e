"""Schemathesis sends what the OpenAPI schema allows, and what it does not, to every operation, in process.

Any 5xx, or an answer the schema does not describe, fails. Each operation is fuzzed three ways: valid inputs,
invalid ones, and valid inputs aimed at a real delta, version and backbone (so requests get past the 404).
Bounded and derandomized, so a run is the same every time; the operations are walked here rather than through
schemathesis's pytest plugin, which pytest 9 breaks.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error, response_schema_conformance
from schemathesis.generation import GenerationMode

from hub.accounts.tokens import create_token
from hub.evaluation import workers
from hub.wsgi import application
from tests.factories import make_delta, make_version

pytestmark = pytest.mark.django_db(transaction=True)
EXAMPLES_PER_OPERATION = 10
CHECKS = [not_a_server_error, response_schema_conformance]


@schemathesis.serializer("application/x-ndjson")
def ndjson_body(ctx, value):
    """A Hugging Face commit's body is NDJSON text; the fuzzer sends what it generates as it is, bytes or not."""
    return value if isinstance(value, bytes) else str(value).encode("utf-8", "surrogatepass")


@pytest.fixture
def api_schema(settings):
    settings.ALLOWED_HOSTS = ["*"]
    return schemathesis.openapi.from_wsgi("/api/schema?format=json", application)


@pytest.fixture
def bearer(alice):
    return {"Authorization": f"Bearer {create_token(alice, 'fuzz', ['write'])[1]}"}


@pytest.fixture
def existing(alice, backbone):
    """Path parameters that name what exists: alice's delta, its version and file, the backbone."""
    delta = make_delta(alice.namespace, "fuzzed", backbone, task="sentiment")
    version = make_version(delta)
    return {
        "namespace": "alice",
        "name": "fuzzed",
        "revision": version.commit_id,
        "content_hash": backbone.content_hash,
        "sha256": version.files.get().object.sha256,
        "path": "adapter_model.safetensors",
    }


def test_no_input_makes_the_hub_fail_or_answer_outside_its_schema(api_schema, bearer, existing):
    failures = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for operation in operations:
        aimed = {p.name: existing[p.name] for p in operation.path_parameters if p.name in existing}
        for mode, path_parameters in ((GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None),
                                      (GenerationMode.POSITIVE, aimed or None)):  # fmt: skip
            workers.beat("fuzz-worker")  # a hub with a live worker: /api/health's 503 is for when there is none
            try:
                _fuzz(operation.as_strategy(mode, path_parameters=path_parameters), bearer)
            except Unsatisfiable:
                assert mode == GenerationMode.NEGATIVE  # an operation without inputs has no invalid ones
            except (Exception, BaseExceptionGroup) as exc:  # every operation's failure is collected
                failures[f"{operation.label} ({mode.value}{', aimed' if path_parameters else ''})"] = str(exc)[:3000]
    assert len(operations) >= 30
    assert not failures, "\n\n".join(f"{label}:\n{failure}" for label, failure in failures.items())


def _fuzz(strategy, headers):
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case):
        case.call_and_validate(headers=headers, checks=CHECKS)

    run()

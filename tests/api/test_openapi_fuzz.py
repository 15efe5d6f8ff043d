"""A third-party fuzzer (schemathesis) reads /api/openapi.json and calls every operation of a
real `photoshelf serve` with valid and invalid requests: no answer is a server error, and every
status, content type and body is one the document declares. A client generated from the
document then handles every answer."""

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.conftest import Server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = 30  # per operation and mode; the same ones on every run (derandomize)
# The body of a tus PATCH (and of a creation with its first bytes) is raw bytes, sent as such.
schemathesis.serializer.alias("application/offset+octet-stream", "application/octet-stream")

pytestmark = [pytest.mark.slow, pytest.mark.backends("sqlite-local")]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    server = Server(tmp_path_factory.mktemp("openapi") / "data", workers=2)
    yield server
    server.stop()


def failures_of(operation, mode: GenerationMode, headers: dict[str, str]) -> list[str]:
    """Every example of one operation in one mode, called and checked; what failed, if any."""
    failed: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],  # no shrinking: the first failure says enough
    )
    def call(case):
        if failed:
            return
        try:
            case.call_and_validate(headers=headers, checks=CHECKS, timeout=30)
        except (Failure, FailureGroup) as failure:
            failed.append(f"{operation.label} ({mode.value}): {failure}")

    try:
        call()
    except Unsatisfiable:  # no invalid request exists (no parameters, or any string will do)
        assert mode is GenerationMode.NEGATIVE
    return failed


def test_every_answer_is_one_the_document_declares(served):
    schema = schemathesis.openapi.from_url(served.url + "/api/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10  # every operation of the document, none skipped
    failures = []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            # As the administrator, so every operation gets past sign-in; a generated DELETE
            # of the administrator's own account is refused (invalid-user): the token stays.
            failures += failures_of(operation, mode, served.headers)
    assert failures == [], "\n\n".join(failures)

"""A stack of its own for the contract suite, so fuzzed writes never reach the shared `live_stack`.

PostgreSQL only: the defects worth finding here (integer overflow, NUL bytes, dates out of range)
are PostgreSQL's; under CI a missing PostgreSQL fails the run.
"""

from collections.abc import Iterator

import pytest
import schemathesis
from schemathesis.specs.openapi.schemas import OpenApiSchema

from deploy.stack import Stack
from tests.conftest import require_postgres, seeded_stack
from tests.support.keys import KeyPair

# Fixed seed: the same cases every run. The token is the caller's, never generated: an anonymous caller
# sends none, the others a real one.
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 150625,
        "generation": {"with-security-parameters": False},
        "request-timeout": 60,
        "checks": {
            # Left off: it wants every schema-valid request accepted, but domain rules refuse valid-looking
            # input by design with 422 (ID number checksums, a village code under no known township, the
            # procedure's next step, a policy item without its rate).
            "positive_data_acceptance": {"enabled": False},
            # Not left off, but never reached: `unsupported_method` and `allow_header_conformance` judge
            # the coverage phase's undeclared methods, which fuzzing does not send. They would flag the
            # gateway's deny-by-default policy, which answers 403 to any method it does not list.
        },
    }
)


@pytest.fixture(scope="module")
def contract_stack(keypair: KeyPair, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    require_postgres()
    with seeded_stack("postgresql", keypair, tmp_path_factory.mktemp("contract")) as stack:
        yield stack


@pytest.fixture(scope="module")
def gateway_schema(contract_stack: Stack) -> OpenApiSchema:
    """The merged document partners read, served by the gateway itself."""
    return schemathesis.openapi.from_url(contract_stack.url("gateway") + "/openapi.json", config=CONFIG)

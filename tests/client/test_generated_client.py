"""A partner's program written against the client generated from the gateway's contract (API.md).

It signs in, registers a household, reads it back, files a livestock claim for it and meets a refusal,
reading every answer through the generated models: a field the contract drops or retypes, an operation
that disappears, an error that is not problem+json, and these tests fail.
"""

import re
import uuid
from datetime import date
from typing import Any

from gateway.openapi import merge
from gateway.seed import DEMO_PASSWORD
from shared.errors import PROBLEM_JSON
from shared.idnumber import Sex
from tests.client.conftest import GeneratedClient
from tests.support.households import id_number

VILLAGE = "150625100201"  # 阿斯尔嘎查, where the demo village official `asier` works
YEAR = date.today().year


def test_a_partner_registers_a_household_and_files_a_claim_through_the_generated_client(
    generated_client: GeneratedClient,
) -> None:
    models = generated_client.module("models")
    anonymous = generated_client.anonymous()

    token = generated_client.api("auth.issue_token").sync(
        client=anonymous, body=models.BodyIssueToken(username="asier", password=DEMO_PASSWORD)
    )
    assert isinstance(token, models.TokenResponse)
    assert token.token_type == "bearer" and token.expires_in > 0
    client = generated_client.signed_in(token.access_token)
    me = generated_client.api("auth.me").sync(client=client)
    assert (me.username, me.role, me.region) == ("asier", models.Role.VILLAGE_OFFICIAL, VILLAGE)

    head = models.MemberIn(name="额尔敦毕力格", id_number=id_number(), relation=models.Relation.HEAD)
    spouse = models.MemberIn(name="其其格", id_number=id_number(Sex.female), relation=models.Relation.SPOUSE)
    created = generated_client.api("households.register_household").sync(
        client=client,
        body=models.HouseholdCreate(
            address="锡尼镇阿斯尔嘎查二社8号",
            region_code=VILLAGE,
            category=models.Category.LIFTED_SUPPORTED,
            members=[head, spouse],
            lifted_year=2018,
            sheep=60,
            income_per_capita_fen=1_234_567,
        ),
    )
    assert isinstance(created, models.HouseholdPublic)
    assert isinstance(created.id, uuid.UUID) and created.region_code == VILLAGE
    assert created.category is models.Category.LIFTED_SUPPORTED
    assert (created.head_name, created.member_count, created.income_per_capita_fen) == (
        "额尔敦毕力格",
        2,
        1_234_567,
    )
    assert {m.relation for m in created.members} == {models.Relation.HEAD, models.Relation.SPOUSE}

    found = generated_client.api("households.get_household").sync(created.id, client=client)
    assert isinstance(found, models.HouseholdPublic)
    assert (found.id, found.number, found.sheep) == (created.id, created.number, 60)
    page = generated_client.api("households.list_households").sync(client=client, q=head.id_number)
    assert isinstance(page, models.HouseholdPage)
    assert page.total == 1 and [h.id for h in page.items] == [created.id]

    policy = generated_client.api("payments.policy_in_force").sync(client=client, year=YEAR)
    sheep = next(item for item in policy.items if item.kind is models.Kind.SHEEP)
    requested = sheep.cap_quantity + 5
    file_claim = generated_client.api("payments.file_claim")
    body = models.ClaimCreate(household_id=created.id, kind=models.Kind.SHEEP, year=YEAR, quantity=requested)
    key = f"partner-{uuid.uuid4()}"
    claim = file_claim.sync(client=client, body=body, idempotency_key=key)
    assert isinstance(claim, models.ClaimPublic)
    assert claim.household_id == created.id and claim.payee_name == "额尔敦毕力格"
    # Over the yearly cap the claim is granted the cap, priced in integer fen at the policy's rate.
    assert claim.breakdown == models.BreakdownPublic(
        requested=requested,
        eligible=sheep.cap_quantity,
        already_claimed=0,
        rate_fen=sheep.rate_fen,
        cap=sheep.cap_quantity,
    )
    assert isinstance(claim.amount_fen, int) and claim.amount_fen == sheep.cap_quantity * sheep.rate_fen
    again = file_claim.sync(client=client, body=body, idempotency_key=key)
    assert (again.id, again.amount_fen) == (claim.id, claim.amount_fen)

    refused = file_claim.sync_detailed(
        client=client,
        body=models.ClaimCreate(household_id=created.id, kind=models.Kind.SHEEP, year=YEAR, quantity=0),
    )
    assert refused.status_code == 422 and refused.headers["content-type"] == PROBLEM_JSON
    assert isinstance(refused.parsed, models.Problem) and refused.parsed.status == 422
    assert [problem.field for problem in refused.parsed.errors] == ["quantity"]

    wrong = generated_client.api("auth.issue_token").sync(
        client=anonymous, body=models.BodyIssueToken(username="asier", password="not-the-password")
    )
    assert isinstance(wrong, models.Problem) and wrong.status == 401


def test_every_documented_operation_is_in_the_generated_client(generated_client: GeneratedClient) -> None:
    document = generated_client.document
    operations = [
        (operation["tags"][0], operation["operationId"])
        for item in document["paths"].values()
        for operation in item.values()
    ]
    ids = [operation_id for _, operation_id in operations]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", operation_id) for operation_id in ids)
    for tag, operation_id in operations:
        module = generated_client.api(f"{tag}.{operation_id}")
        assert callable(module.sync_detailed), operation_id
    assert {"list_households", "register_household", "get_household", "file_claim", "issue_token"} <= set(ids)


def test_the_document_describes_errors_and_sign_in_as_clients_need(generated_client: GeneratedClient) -> None:
    document = generated_client.document
    schemas = document["components"]["schemas"]
    assert all(schema["title"] == name for name, schema in schemas.items())
    problem = {"$ref": "#/components/schemas/Problem"}
    claim_errors = document["paths"]["/api/v1/payments/claims"]["post"]["responses"]
    for code in ("401", "403", "422"):
        assert claim_errors[code]["content"] == {PROBLEM_JSON: {"schema": problem}}, code
    schemes = document["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    flows = schemes["oauth2"]["flows"]
    assert flows["password"]["tokenUrl"] == flows["clientCredentials"]["tokenUrl"] == "/auth/token"
    token = document["paths"]["/auth/token"]["post"]
    assert token["security"] == []
    assert "application/x-www-form-urlencoded" in token["requestBody"]["content"]


def _service(schemas: dict[str, Any], paths: dict[str, Any]) -> dict[str, Any]:
    return {"openapi": "3.1.0", "paths": paths, "components": {"schemas": schemas}}


def _get(operation_id: str, ref: str) -> dict[str, Any]:
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ref}"}}}
    return {"get": {"operationId": operation_id, "responses": {"200": {"content": content}}}}


def test_names_two_services_mean_differently_are_told_apart_in_every_service() -> None:
    problem = {"title": "Problem", "type": "object"}
    page = {
        "title": "NoticePage",
        "properties": {"items": {"items": {"$ref": "#/components/schemas/NoticePublic"}}},
    }
    merged = merge(
        _service({}, {}),
        {
            "payments": _service(
                {
                    "NoticePublic": {"title": "NoticePublic", "required": ["batch_id"]},
                    "NoticePage": page,
                    "Problem": problem,
                },
                {"/api/v1/payments/notices": _get("list_notices", "NoticePage")},
            ),
            "assets": _service(
                {
                    "NoticePublic": {"title": "NoticePublic", "required": ["asset_id"]},
                    "NoticePage": page,
                    "Problem": problem,
                },
                {"/api/v1/assets/notices": _get("list_notices", "NoticePage")},
            ),
        },
    )
    schemas = merged["components"]["schemas"]
    assert set(schemas) == {
        "Problem",
        "PaymentsNoticePublic",
        "AssetsNoticePublic",
        "PaymentsNoticePage",
        "AssetsNoticePage",
    }
    assert all(schema["title"] == name for name, schema in schemas.items())
    assert schemas["AssetsNoticePage"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/AssetsNoticePublic"
    }
    operation = merged["paths"]["/api/v1/assets/notices"]["get"]
    assert operation["operationId"] == "assets_list_notices"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/AssetsNoticePage"
    }
    assert merged["paths"]["/api/v1/payments/notices"]["get"]["operationId"] == "payments_list_notices"

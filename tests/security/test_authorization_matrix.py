"""Every route × every role × an object in village A, in its sibling B and in another township's C, against
the answers written in `authorization_matrix.md` (MISSION.md §1: nobody sees or changes records outside
their region — not in a list, not by id, not in an export, not in a count).

One test per operation reports every mismatching cell at once.
"""

import json
import re
from dataclasses import replace
from typing import Any

import httpx
import pytest

from shared.roles import Role
from tests.security.calls import CALLS, Call, Request
from tests.security.conftest import Mint
from tests.security.matrix import Row, load
from tests.security.objects import World
from tests.security.principals import POSITIONS, VILLAGE, Caller, Position, in_scope

MATRIX = load()
MEANING = {
    "A": "allowed",
    "D": "403",
    "H": "404",
    "N": "nothing out of scope",
    "R": "403/404/422, nothing written",
}
REFUSED = {401, 403, 404}
# A listing's answer: a read's 200, or an upload's 201 listing what it matched (a department's list).
LISTED = {200, 201}
# A region code, alone or as the start of a household number (village code + 5 digits); never part of an
# 18-character ID number (whose last character may be X).
_CODE = re.compile(r"(?<!\d)(150625\d{3}(?:\d{3})?)(?:\d{5})?(?![\dXx])")


def send(caller: Caller | httpx.Client, request: Request) -> httpx.Response:
    kwargs: dict[str, Any] = {"params": request.params, "headers": request.headers}
    if request.files is not None:
        kwargs["files"] = request.files
    elif request.json is not None:
        kwargs["json"] = request.json
    return caller.request(request.method, request.path, **kwargs)


def leaks(response: httpx.Response, scope: str, world: World) -> list[str]:
    """What in an answer lies outside `scope`: region codes (other than the scope's own ancestors and the
    region the caller asked for, echoed back) and the ids of fixture objects in positions out of scope."""
    text = response.text
    asked = response.request.url.params.get("region", "")
    found = {
        code
        for code in _CODE.findall(text)
        if not in_scope(scope, code) and not scope.startswith(code) and code != asked
    }
    hidden = [p for p in POSITIONS if not in_scope(scope, VILLAGE[p])]
    found |= {i for p in hidden for i in world.ids_in(p) if i in text}
    return sorted(found)


def counted(response: httpx.Response) -> dict[str, int]:
    """The counts and sums (`total`, `…_fen`) at the top of a JSON answer."""
    try:
        body = response.json()
    except json.JSONDecodeError:
        return {}
    if not isinstance(body, dict):
        return {}
    return {k: v for k, v in body.items() if isinstance(v, int) and (k == "total" or k.endswith("_fen"))}


def total_of(response: httpx.Response) -> int | None:
    try:
        body = response.json()
    except json.JSONDecodeError:
        return None
    return body.get("total") if isinstance(body, dict) else None


def judge(
    letter: str, call: Call, response: httpx.Response, caller: Caller, world: World, position: Position
) -> str | None:
    """Why the answer breaks the cell, or None."""
    status = response.status_code
    if letter == "D":
        return None if status == 403 else f"got {status}"
    if letter == "H":
        return None if status == 404 else f"got {status}"
    if letter == "R":
        return None if status in {403, 404, 422} else f"got {status}"
    if letter == "P":
        return None if status != 401 else "got 401"
    if letter == "N":
        if status == 404:
            return None
        if status not in LISTED:
            return f"got {status}"
        if found := leaks(response, caller.region, world):
            return f"shows out-of-scope {found[:5]}"
        if nonzero := {k: v for k, v in counted(response).items() if v}:
            return f"counts out of scope {nonzero}"
        return None
    if status in REFUSED:
        return f"got {status}: {response.text[:200]}"
    if call.listing:
        if status not in LISTED:
            return f"got {status}: {response.text[:200]}"
        if found := leaks(response, caller.region, world):
            return f"shows out-of-scope {found[:5]}"
        if call.shows and call.shows(world, position) not in response.text:
            return "does not show the position's own object"
    return None


def unfiltered(call: Call, world: World, caller: Caller, reference: Caller) -> str | None:
    """Without a region filter an allowed listing holds only the caller's scope, and its count equals what a
    banner official counts for that scope."""
    request = call.make(world, Position.village)
    if not request.params or "region" not in request.params:
        return None
    params = {k: v for k, v in request.params.items() if k != "region"}
    response = send(caller, Request(request.method, request.path, params=params))
    if response.status_code != 200:
        return f"without a filter: got {response.status_code}"
    if found := leaks(response, caller.region, world):
        return f"without a filter: shows out-of-scope {found[:5]}"
    total = total_of(response)
    if total is not None:
        expected = total_of(
            send(reference, Request(request.method, request.path, params={**params, "region": caller.region}))
        )
        if total != expected:
            return f"without a filter: total {total}, but the scope {caller.region} holds {expected}"
    return None


def unchanged(call: Call, world: World, before: dict[Position, str]) -> list[str]:
    """Nothing written by the refused calls: the banner's reads of the three positions are as before."""
    assert call.probe
    changes = []
    for position, text in before.items():
        after = send(world.builder.maker, call.probe(world, position)).text
        if after != text:
            diff = [f"{a} -> {b}" for a, b in zip(text.split(","), after.split(","), strict=False) if a != b]
            changes.append(f"the refused calls changed the data on {position}: {diff[:3]}")
    return changes


@pytest.mark.parametrize("operation", list(MATRIX))
def test_operation_answers_as_the_matrix_says(
    operation: str, world: World, role_callers: dict[Role, Caller], mint: Mint
) -> None:
    row: Row = MATRIX[operation]
    call = CALLS[operation]
    banner = world.builder.maker
    cells = [(role, position, letter) for role, by in row.cells.items() for position, letter in by.items()]
    if row.public:  # the same answer for anyone: asked once (a sign-in is deliberately slow and rate-limited)
        cells = cells[:1]
    refused = [c for c in cells if c[2] not in {"A", "P", "-"}]
    allowed = [c for c in cells if c[2] in {"A", "P"}]
    failures: list[str] = []
    before = {p: send(banner, call.probe(world, p)).text for p in POSITIONS} if call.probe else {}
    for index, (role, position, letter) in enumerate([*refused, *allowed]):
        if index == len(refused) and call.probe:
            failures += unchanged(call, world, before)
        caller = role_callers[role]
        if call.spends_token:
            caller = replace(caller, token=mint(role, caller.region, f"matrix-{role}-{index}"))
        response = send(caller, call.make(world, position))
        if why := judge(letter, call, response, caller, world, position):
            failures.append(
                f"{operation} as {role} on {position}: expected {letter} ({MEANING.get(letter, 'P')}), {why}"
            )
    if call.listing:
        for role in {r for r, _, letter in allowed if letter == "A"}:
            if why := unfiltered(call, world, role_callers[role], banner):
                failures.append(f"{operation} as {role}: {why}")
    assert not failures, "\n".join(failures)


def test_the_matrix_lists_every_operation_of_the_gateway(gateway: httpx.Client) -> None:
    """A new route cannot slip in unreviewed, and a removed one cannot linger in the matrix."""
    document = gateway.get("/openapi.json").json()
    assert "incomplete" not in document["info"].get("description", "")
    served = {f"{method.upper()} {path}" for path, item in document["paths"].items() for method in item}
    assert sorted(served - set(MATRIX)) == [], "operations missing from authorization_matrix.md"
    assert sorted(set(MATRIX) - served) == [], "operations in authorization_matrix.md that the gateway lacks"


def test_without_a_token_every_operation_not_public_is_401(gateway: httpx.Client, world: World) -> None:
    wrong = []
    for operation, row in MATRIX.items():
        response = send(gateway, CALLS[operation].make(world, Position.village))
        if (response.status_code == 401) == row.public:
            wrong.append(f"{operation}: {response.status_code}")
    assert not wrong, "\n".join(wrong)

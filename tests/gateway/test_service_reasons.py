"""The reason a page shows when a service refuses: the service's own Chinese, worded for the page, and for a
422 the field's reason rather than a detail that names fields by their API names."""

import httpx

from gateway.web.forms import detail_of
from shared.errors import PROBLEM_JSON

FALLBACK = "操作未能完成，请刷新页面后重试。"


def problem(status: int, detail: str, *reasons: str) -> httpx.Response:
    errors = [{"field": "amount_fen", "reason": reason} for reason in reasons]
    body = {"title": "x", "status": status, "detail": detail, "errors": errors}
    return httpx.Response(status, json=body, headers={"content-type": PROBLEM_JSON})


def test_a_refusal_is_said_whole_by_its_detail() -> None:
    answer = problem(409, "不能提交: 公示期未满；有未处理的异议", "公示期未满", "有未处理的异议")
    assert detail_of(answer, FALLBACK) == "不能提交: 公示期未满；有未处理的异议"


def test_a_422_is_said_by_its_fields_reason_not_by_api_names() -> None:
    assert detail_of(problem(422, "amount_fen: 金额须大于 0", "金额须大于 0"), FALLBACK) == "金额须大于 0"


def test_english_only_falls_back_and_the_page_words_the_reason() -> None:
    assert detail_of(problem(409, "batch is approved"), FALLBACK) == FALLBACK
    assert detail_of(httpx.Response(500, text="oops"), FALLBACK) == FALLBACK
    worded = detail_of(problem(409, "状态为 approved"), FALLBACK, say=lambda t: t.replace("approved", "已批"))
    assert worded == "状态为 已批"

"""The one error table (core/errors.py): every domain error's HTTP status and problem type, read
alike by the API's problem documents, the console's pages and the CLI's exit codes."""

from __future__ import annotations

from pesanan.core import errors
from pesanan.core.errors import DomainError


def _all_errors() -> list[type[DomainError]]:
    found: list[type[DomainError]] = []
    todo = [DomainError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found


def test_each_domain_error_answers_with_its_own_status() -> None:
    table = {cls.code: cls.status for cls in _all_errors()}

    assert table == {
        "domain-error": 400,
        "validation-error": 422,
        "unauthenticated": 401,
        "forbidden": 403,
        "not-found": 404,
        "insufficient-stock": 409,
        "invalid-transition": 409,
        "conflict": 409,
        "idempotency-key-reused": 422,
        "idempotency-in-flight": 409,
        "precondition-failed": 412,
        "rate-limited": 429,
    }


def test_no_two_errors_share_a_code() -> None:
    codes = [cls.code for cls in _all_errors()]

    assert len(codes) == len(set(codes))


def test_the_problem_type_is_the_code_under_problems() -> None:
    refused = errors.InsufficientStock("only 2 left")

    assert refused.problem_type == "/problems/insufficient-stock"
    assert errors.problem_type("service-unavailable") == "/problems/service-unavailable"

"""Domain errors, and the one error table: each error carries a stable `code`, the HTTP `status`
it answers with and its RFC 9457 problem `type`. It lives here, below every entrypoint, so the
API's problem documents, the console's error pages and the CLI's exit codes read the same table
without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field


def problem_type(code: str) -> str:
    """The RFC 9457 `type` of a problem with this code (documented in the API conventions)."""
    return f"/problems/{code}"


@dataclass
class FieldError:
    field: str
    code: str
    message: str


class DomainError(Exception):
    code = "domain-error"
    title = "Request refused"
    status = 400  # the HTTP status; the CLI exits 2 for a 422 (a usage error), else 1

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[FieldError] = errors or []

    @property
    def problem_type(self) -> str:
        return problem_type(self.code)


class ValidationFailed(DomainError):
    code = "validation-error"
    title = "Invalid request"
    status = 422


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"
    status = 404


class InsufficientStock(DomainError):
    code = "insufficient-stock"
    title = "Insufficient stock"
    status = 409


class InvalidTransition(DomainError):
    code = "invalid-transition"
    title = "Invalid status transition"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"
    status = 409


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"
    status = 403


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Unauthenticated"
    status = 401


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"
    title = "Idempotency key reused with a different request"
    status = 422


class IdempotencyInFlight(DomainError):
    code = "idempotency-in-flight"
    title = "A request with this idempotency key is still in flight"
    status = 409

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)  # seconds until the claim's lease runs out


class PreconditionFailed(DomainError):
    code = "precondition-failed"
    title = "Precondition failed"
    status = 412


class RateLimited(DomainError):
    """Too many requests; `retry_after` (whole seconds) says when the next one may succeed."""

    code = "rate-limited"
    title = "Too many requests"
    status = 429

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)


@dataclass
class Invalid:
    """Collects field errors so a request reports all of them at once."""

    errors: list[FieldError] = field(default_factory=list)

    def add(self, field_name: str, code: str, message: str) -> None:
        self.errors.append(FieldError(field_name, code, message))

    def raise_if_any(self, detail: str = "The request has invalid fields") -> None:
        if self.errors:
            raise ValidationFailed(detail, self.errors)


class Retry(Exception):
    """A guard lost a race (the row changed between read and write). The transaction is rolled
    back and the whole command re-run on fresh data; not shown to callers unless retries run
    out."""

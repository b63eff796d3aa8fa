"""Domain errors. Entrypoints map them to HTTP problems, UI messages and CLI exit codes through
one table (pesanan.api.errors), so each carries a stable `code` rather than an HTTP status."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class FieldError:
    field: str
    code: str
    message: str


class DomainError(Exception):
    code = "domain-error"
    title = "Request refused"

    def __init__(self, detail: str, errors: list[FieldError] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors: list[FieldError] = errors or []


class ValidationFailed(DomainError):
    code = "validation-error"
    title = "Invalid request"


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class InsufficientStock(DomainError):
    code = "insufficient-stock"
    title = "Insufficient stock"


class InvalidTransition(DomainError):
    code = "invalid-transition"
    title = "Invalid status transition"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Forbidden"


class Unauthenticated(DomainError):
    code = "unauthenticated"
    title = "Unauthenticated"


class IdempotencyKeyReused(DomainError):
    code = "idempotency-key-reused"
    title = "Idempotency key reused with a different request"


class IdempotencyInFlight(DomainError):
    code = "idempotency-in-flight"
    title = "A request with this idempotency key is still in flight"

    def __init__(self, detail: str, retry_after: int = 1) -> None:
        super().__init__(detail)
        self.retry_after = max(1, retry_after)  # seconds until the claim's lease runs out


class PreconditionFailed(DomainError):
    code = "precondition-failed"
    title = "Precondition failed"


class RateLimited(DomainError):
    """Too many requests; `retry_after` (whole seconds) says when the next one may succeed."""

    code = "rate-limited"
    title = "Too many requests"

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

"""The one email check, for customers, suppliers and console users alike.

Storing an address checks its syntax only: whether mail reaches it is the sender's question,
asked when something is sent. So special-use domains (`.local`, `.test`, the demo's own
`demo.pesanan.local`) are accepted, and no DNS lookup runs on a request.
"""

from __future__ import annotations

import email_validator

# email-validator refuses special-use names (local, test, ...) even with deliverability checks
# off; its documented switch is this module-level list. Emptied once, here, for the process.
email_validator.SPECIAL_USE_DOMAIN_NAMES.clear()

MAX_LENGTH = 254  # RFC 5321's limit on a forward path


def normalize_email(text: str) -> str:
    """The address in its normal form (domain lower-cased, IDNA), or ValueError saying why."""
    if len(text) > MAX_LENGTH:
        raise ValueError(f"an email address has at most {MAX_LENGTH} characters")
    try:
        found = email_validator.validate_email(text, check_deliverability=False)
    except email_validator.EmailNotValidError as e:
        # pydantic's own wording, which the console already rewords for people
        raise ValueError(f"value is not a valid email address: {e}") from None
    return str(found.normalized)

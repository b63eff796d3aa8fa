"""Rule request bodies. Conditions arrive as plain dicts and are checked by
automation/conditions.py (so a 422 names `conditions[i]` and says what is wrong with it);
actions are a tagged union, checked here, and against the trigger by the service."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter

from pesanan.core.schema import Email, Input

Tag = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,39}$")]
RuleName = Annotated[str, Field(min_length=1, max_length=80)]


class Invoice(Input):
    """Invoice what the order has not been invoiced for (billing.service.issue_invoice)."""

    type: Literal["invoice"]


class Hold(Input):
    type: Literal["hold"]
    reason: str = Field(min_length=1, max_length=200)  # as HoldOrder takes it


class Release(Input):
    type: Literal["release"]
    note: str | None = Field(default=None, max_length=400)


class AddTag(Input):
    type: Literal["tag"]
    tag: Tag


class AddNote(Input):
    type: Literal["note"]
    message: str = Field(min_length=1, max_length=400)


class SubmitPurchaseOrder(Input):
    """Send the drafted purchase order to its supplier (draft -> ordered)."""

    type: Literal["submit_purchase_order"]


class Notify(Input):
    """Emit `automation.notified` with the message: webhooks deliver it (email comes later)."""

    type: Literal["notify"]
    message: str = Field(min_length=1, max_length=400)


class SendEmail(Input):
    """Email the order's customer (or the purchase order's supplier), or `to`, the subject and
    message, in the shop's name: once per (rule, event), sent by the worker like every email
    (mail/). Queued even while email is off; it goes out once SMTP is set."""

    type: Literal["send_email"]
    subject: str = Field(min_length=1, max_length=200)
    message: str = Field(min_length=1, max_length=2000)
    to: Email | None = None


Action = Annotated[Invoice | Hold | Release | AddTag | AddNote | SubmitPurchaseOrder | Notify
                   | SendEmail, Field(discriminator="type")]

_actions: TypeAdapter[list[Action]] = TypeAdapter(list[Action])


def load_actions(stored: list[dict[str, Any]]) -> list[Action]:
    """Stored actions (checked when the rule was written) as schema objects."""
    return _actions.validate_python(stored)


# What each action acts on; `notify` on anything. Checked against the trigger's subject.
ACTION_SUBJECT: dict[str, str | None] = {
    "invoice": "order", "hold": "order", "release": "order", "tag": "order", "note": "order",
    "submit_purchase_order": "purchase_order", "notify": None, "send_email": None,
}


class RuleCreate(Input):
    name: RuleName
    trigger: str = Field(min_length=1, max_length=64)
    conditions: list[dict[str, Any]] = Field(default_factory=list, max_length=20)
    actions: list[Action] = Field(min_length=1, max_length=10)
    enabled: bool = True


class RuleUpdate(Input):
    """Only the fields to change; conditions and actions are replaced whole."""

    name: RuleName | None = None
    trigger: str | None = Field(default=None, min_length=1, max_length=64)
    conditions: list[dict[str, Any]] | None = Field(default=None, max_length=20)
    actions: list[Action] | None = Field(default=None, min_length=1, max_length=10)
    enabled: bool | None = None

"""Request bodies of the mail package."""

from __future__ import annotations

from pydantic import RootModel, StrictBool


class NotificationsUpdate(RootModel[dict[str, StrictBool]]):
    """`{"invoice_issued": false, "order_confirmation": true}`: only the ones to change."""

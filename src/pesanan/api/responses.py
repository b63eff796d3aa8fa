"""What the commands answer, for the OpenAPI document only.

Commands return a ready `Response` (bytes serialised once, in `commands.run`), so FastAPI never
validates these models against a body: they document the shape (the top-level fields and their
types, recorded from the e2e suite's responses) and schemathesis checks real responses against
them. `extra="allow"`: a new field is not a breaking change for a client, so the documents stay
open; nested lines and sub-documents are objects described on their GET endpoints.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

Money = str  # a decimal string ("12500.00"); the currency stands on the owning resource
Stamp = str  # RFC 3339 in UTC with Z
Obj = dict[str, Any]


class _Out(BaseModel):
    model_config = ConfigDict(extra="allow")


class OrderOut(_Out):
    id: str
    number: str = Field(examples=["SO-000123"])
    channel: str
    customer_id: str
    status: str
    financial_status: str
    fulfillment_status: str
    currency: str
    subtotal: Money
    tax_total: Money
    total: Money
    amount_invoiced: Money
    amount_paid: Money
    amount_refunded: Money
    balance_due: Money
    lines: list[Obj]
    shipping_address: Obj | None
    keyed_by: str | None
    keyed_at_location_id: str | None
    note: str | None
    version: int
    placed_at: Stamp
    updated_at: Stamp


class HeldOrderOut(OrderOut):
    holds: list[Obj]


class EditedOrderOut(OrderOut):
    revision: Obj


class CustomerOut(_Out):
    id: str
    name: str
    kind: str
    email: str | None
    phone: str | None
    payment_preference: str
    credit_limit: Money | None
    credit_currency: str | None
    payment_terms_days: int | None = None
    addresses: list[Obj]
    order_count: int
    lifetime_value: Obj
    last_order_at: Stamp | None
    order_history: list[Obj]
    created_at: Stamp


class LocationOut(_Out):
    id: str
    code: str
    name: str
    kind: str
    country: str | None
    region: str | None
    channels: list[str] | None
    created_at: Stamp


class StockLevelOut(_Out):
    product_id: str
    sku: str
    location_id: str
    on_hand: int
    reserved: int
    available: int


class StockStatesOut(StockLevelOut):
    name: str
    location_code: str
    quarantined: int
    incoming: int
    in_transit: int


class SourcingSettingsOut(StockLevelOut):
    safety_stock: int
    sourceable: int


class TransferOut(_Out):
    id: str
    number: str
    status: str
    from_location_id: str
    from_location_code: str
    to_location_id: str
    to_location_code: str
    note: str | None
    lines: list[Obj]
    events: list[Obj]
    created_at: Stamp
    updated_at: Stamp


class StockCountOut(_Out):
    id: str
    number: str
    status: str
    source: str
    location_id: str
    location_code: str
    lines: list[Obj]
    posted_at: Stamp | None
    created_at: Stamp


class StockImportOut(_Out):
    dry_run: bool
    applied: bool
    summary: Obj
    rows: list[Obj]
    counts: list[Obj]
    file_errors: list[Obj]


class HoldRuleOut(_Out):
    id: str
    kind: str
    enabled: bool
    parameters: Obj
    note: str | None
    created_at: Stamp
    updated_at: Stamp


class SupplierOut(_Out):
    id: str
    name: str
    email: str | None
    currency: str
    created_at: Stamp


class SupplierOfferOut(_Out):
    id: str
    supplier_id: str
    product_id: str
    sku: str
    price: Money
    currency: str
    min_order_qty: int
    lead_time_days: int
    created_at: Stamp


class ReorderRuleOut(_Out):
    product_id: str
    sku: str
    location_id: str
    reorder_point: int
    reorder_qty: int


class PurchaseOrderOut(_Out):
    id: str
    number: str = Field(examples=["PO-000042"])
    status: str
    supplier_id: str
    supplier_name: str
    location_id: str
    currency: str
    total: Money
    lines: list[Obj]
    expected_at: Stamp | None
    created_at: Stamp
    updated_at: Stamp


class ReplenishOut(_Out):
    items: list[Obj] = Field(description="the purchase orders drafted")
    unsourced: list[Obj] = Field(description="what no supplier offer covers")


class InvoiceOut(_Out):
    id: str
    number: str = Field(examples=["INV-2026-000001"])
    order_id: str
    customer_id: str
    status: str
    currency: str
    subtotal: Money
    tax_total: Money
    total: Money
    amount_paid: Money
    amount_due: Money
    issued_at: Stamp
    due_at: Stamp


class PaymentOut(_Out):
    id: str
    order_id: str
    invoice_id: str
    amount: Money
    currency: str
    method: str
    reference: str | None
    applied_to: list[Obj]
    order: Obj
    received_at: Stamp


class ShipmentOut(_Out):
    id: str
    number: str
    order_id: str
    fulfilment_order_id: str
    location_id: str
    status: str
    carrier: str
    service: str
    tracking_number: str
    tracking_url: str | None
    lines: list[Obj]
    shipped_at: Stamp
    delivered_at: Stamp | None
    failed_at: Stamp | None
    failure_reason: str | None


class ShipmentListOut(_Out):
    items: list[ShipmentOut]


class FulfilmentOrderOut(_Out):
    id: str
    number: str = Field(examples=["SO-000123-1"])
    order_id: str
    order_number: str
    location_id: str
    location_code: str
    location_kind: str
    status: str
    units: int
    units_shipped: int
    lines: list[Obj]
    shipments: list[Obj]
    created_at: Stamp
    updated_at: Stamp


class CarrierOut(_Out):
    id: str
    code: str
    name: str
    tracking_url_template: str | None
    created_at: Stamp
    updated_at: Stamp


class TplEndpointSetOut(_Out):
    location_id: str
    location_code: str
    url: str
    secret: str | None = Field(
        description="shown here once, never again: null in an Idempotency-Key replay")
    secret_set: bool
    updated_at: Stamp


class TplCallbackOut(_Out):
    event_id: str
    fulfilment_order_id: str
    shipments: list[Obj]
    deliveries: list[Obj]


class ReturnOut(_Out):
    id: str
    number: str = Field(examples=["RMA-2026-000001"])
    order_id: str
    customer_id: str
    status: str
    currency: str
    location_id: str | None
    credit_note_id: str | None
    exchange_order_id: str | None
    decision_note: str | None
    note: str | None
    lines: list[Obj]
    requested_at: Stamp
    updated_at: Stamp


class RefundedReturnOut(ReturnOut):
    refund: Obj


class ExchangedReturnOut(ReturnOut):
    exchange_order: Obj

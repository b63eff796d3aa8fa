"""A webhook delivery costs the database less per event (issue 11's benchmark point).

- The payload is no longer copied into every delivery: a new delivery leaves it null and the
  sender builds the body from the outbox row it names (the same bytes on every try: the row
  never changes once stamped). Rows made before keep theirs. Each delivery row is updated
  twice (the claim's lease, the attempt's outcome), and every update rewrote that copy.
- Its indexes cover only what is still pending (the due scan, the per-order ordering check),
  so a delivered row leaves them instead of staying in them for the purge's 30 days; and the
  (endpoint_id, position) index goes: no query needs it (an endpoint's rows are found through
  the unique (endpoint_id, event_id) key, its pending ones through the pending index).

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from pesanan.events import consumers
from pesanan.events.models import outbox
from pesanan.webhooks import fanout
from pesanan.webhooks.models import webhook_delivery

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    op.drop_index("ix_webhook_delivery_status_next_attempt_at", "webhook_delivery")
    op.drop_index("ix_webhook_delivery_aggregate", "webhook_delivery")
    op.drop_index("ix_webhook_delivery_endpoint_id_position", "webhook_delivery")
    with op.batch_alter_table("webhook_delivery") as b:
        b.alter_column("payload", existing_type=sa.Text(), nullable=True)
    op.create_index("ix_webhook_delivery_due", "webhook_delivery",
                    ["next_attempt_at", "position"],
                    postgresql_where=PENDING, sqlite_where=PENDING)
    op.create_index("ix_webhook_delivery_pending_aggregate", "webhook_delivery",
                    ["endpoint_id", "aggregate_type", "aggregate_id", "position"],
                    postgresql_where=PENDING, sqlite_where=PENDING)


def _copy_payloads_back() -> None:
    """The old code reads the body from the row: build it from the outbox, as the sender
    does (the same function, so the bytes match)."""
    conn = op.get_bind()
    d = webhook_delivery
    rows = conn.execute(sa.select(d.c.id.label("delivery_id"), outbox)
                        .join(outbox, outbox.c.id == d.c.event_id)
                        .where(d.c.payload.is_(None))).mappings().all()
    for r in rows:
        conn.execute(sa.update(d).where(d.c.id == r["delivery_id"])
                     .values(payload=fanout.payload(consumers.envelope(r))))


def downgrade() -> None:
    op.drop_index("ix_webhook_delivery_pending_aggregate", "webhook_delivery")
    op.drop_index("ix_webhook_delivery_due", "webhook_delivery")
    _copy_payloads_back()
    with op.batch_alter_table("webhook_delivery") as b:
        b.alter_column("payload", existing_type=sa.Text(), nullable=False)
    op.create_index("ix_webhook_delivery_status_next_attempt_at", "webhook_delivery",
                    ["status", "next_attempt_at"])
    op.create_index("ix_webhook_delivery_aggregate", "webhook_delivery",
                    ["endpoint_id", "aggregate_type", "aggregate_id", "position"])
    op.create_index("ix_webhook_delivery_endpoint_id_position", "webhook_delivery",
                    ["endpoint_id", "position"])

"""A reservation references its stock row, not the product and the location apart (issue 13).

Every reservation is made by the guarded UPDATE of its (product, location) stock row in the same
transaction (inventory.service.reserve, inventory.backorders.fill), so the row always exists and
the one composite key says more than the two it replaces: the stock row itself references the
product and the location. Each reservation row is checked once instead of twice, and the check
locks (FOR KEY SHARE) the stock row the transaction already holds rather than the location row
every concurrent order shares: 3 of the ~32 foreign-key checks of a 3-line order, 9 of its
~75 buffer hits on the reservation insert (bench/pgstats.py explain, before and after).

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reservation") as b:
        b.drop_constraint(op.f("fk_reservation_product_id_product"), type_="foreignkey")
        b.drop_constraint(op.f("fk_reservation_location_id_location"), type_="foreignkey")
        b.create_foreign_key(op.f("fk_reservation_product_id_stock_level"), "stock_level",
                             ["product_id", "location_id"], ["product_id", "location_id"])


def downgrade() -> None:
    with op.batch_alter_table("reservation") as b:
        b.drop_constraint(op.f("fk_reservation_product_id_stock_level"), type_="foreignkey")
        b.create_foreign_key(op.f("fk_reservation_product_id_product"), "product",
                             ["product_id"], ["id"])
        b.create_foreign_key(op.f("fk_reservation_location_id_location"), "location",
                             ["location_id"], ["id"])

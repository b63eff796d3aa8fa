"""3PL secrets at rest: `tpl_endpoint.secret` (plain text) becomes `secret_sealed` (Fernet,
core/crypto.py), and every existing secret is sealed here, in the migration.

Why seal in the migration rather than mark rows plain and seal them on first use: a plain row
would stay readable in the database (and in every backup) until its 3PL happened to be used,
and the code would have to keep a second, plain path forever. The migration reads the key the
same way the app does (crypto.box_for(get_settings()): PESANAN_ENCRYPTION_KEY, else HKDF from
the app's secret key), so run `pesanan db upgrade` with the server's settings. A database with
no 3PL endpoint needs no key at all. Downgrade opens them again (same key).

The PUT that set a secret also stored its answer, secret included, as the Idempotency-Key
replay: those stored answers get `"secret": null`, as new ones do (tpl.replay_view).

Revision ID: 0011
Revises: 0010
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _box():  # type: ignore[no-untyped-def]
    from pesanan.config import get_settings
    from pesanan.core.crypto import box_for

    return box_for(get_settings())


def _rewrite(column_from: str, column_to: str, convert) -> None:  # type: ignore[no-untyped-def]
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT location_id, {column_from} FROM tpl_endpoint")).all()
    if not rows:
        return
    box = _box()
    for location_id, value in rows:
        conn.execute(sa.text(f"UPDATE tpl_endpoint SET {column_to} = :v WHERE location_id = :id"),
                     {"v": convert(box, value), "id": location_id})


def _scrub_replays() -> None:
    """Stored answers of 3PL endpoint PUTs: the only stored bodies with a `secret_set` key."""
    conn = op.get_bind()
    marker = '%"secret_set"%'
    # bytea LIKE bytea on PostgreSQL; SQLite compares a BLOB with LIKE only as text.
    column, pattern = (("response_body", marker.encode()) if conn.dialect.name == "postgresql"
                       else ("CAST(response_body AS TEXT)", marker))
    rows = conn.execute(sa.text(f"SELECT scope, key, response_body FROM idempotency_key "
                                f"WHERE {column} LIKE :marker"), {"marker": pattern}).all()
    for scope, key, body in rows:
        doc = json.loads(bytes(body))
        if not (isinstance(doc, dict) and doc.get("secret") is not None
                and {"location_code", "secret_set"} <= doc.keys()):
            continue
        doc["secret"] = None
        conn.execute(sa.text("UPDATE idempotency_key SET response_body = :b "
                             "WHERE scope = :s AND key = :k"),
                     {"b": json.dumps(doc, separators=(",", ":")).encode(), "s": scope, "k": key})


def upgrade() -> None:
    op.add_column("tpl_endpoint", sa.Column("secret_sealed", sa.Text(), nullable=True))
    _rewrite("secret", "secret_sealed", lambda box, plain: box.seal(plain))
    _scrub_replays()
    with op.batch_alter_table("tpl_endpoint") as batch:
        batch.alter_column("secret_sealed", existing_type=sa.Text(), nullable=False)
        batch.drop_column("secret")


def downgrade() -> None:
    op.add_column("tpl_endpoint", sa.Column("secret", sa.String(length=200), nullable=True))
    _rewrite("secret_sealed", "secret", lambda box, sealed: box.open(sealed))
    with op.batch_alter_table("tpl_endpoint") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=200), nullable=False)
        batch.drop_column("secret_sealed")

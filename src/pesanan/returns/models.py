"""Returns tables."""

from pesanan.db.base import metadata  # noqa: F401

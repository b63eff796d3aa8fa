"""Every domain's tables, so `metadata` is complete: what Alembic compares the schema against
(env.py), and what tests and the bench scripts empty or fill table by table.

It lives here, at the top, not in pesanan.db: the database plumbing knows no domain. At run time
no code needs the complete metadata: each domain reads and writes its own tables.
"""

from pesanan.audit import models as _audit  # noqa: F401
from pesanan.auth import models as _auth  # noqa: F401
from pesanan.automation import models as _automation  # noqa: F401
from pesanan.billing import models as _billing  # noqa: F401
from pesanan.catalog import models as _catalog  # noqa: F401
from pesanan.customers import models as _customers  # noqa: F401
from pesanan.db import sequences as _sequences  # noqa: F401
from pesanan.db.base import metadata
from pesanan.events import models as _events  # noqa: F401
from pesanan.fulfillment import models as _fulfillment  # noqa: F401
from pesanan.idempotency import models as _idempotency  # noqa: F401
from pesanan.inventory import models as _inventory  # noqa: F401
from pesanan.jobs import models as _jobs  # noqa: F401
from pesanan.ledger import models as _ledger  # noqa: F401
from pesanan.mail import models as _mail  # noqa: F401
from pesanan.orders import models as _orders  # noqa: F401
from pesanan.purchasing import models as _purchasing  # noqa: F401
from pesanan.returns import models as _returns  # noqa: F401
from pesanan.shop import models as _shop  # noqa: F401
from pesanan.webhooks import models as _webhooks  # noqa: F401

__all__ = ["metadata"]

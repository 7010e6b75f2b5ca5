"""Tables of the assets service."""

from shared.audit import audit_table
from shared.db import service_base
from shared.outbox import outbox_table

Base = service_base()
audit_log = audit_table(Base.metadata)
outbox = outbox_table(Base.metadata)

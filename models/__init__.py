"""The domain: mapped tables and the operations on them.

Importing this package registers every table on ``Base.metadata`` (Alembic needs that).
"""

from models import (
    activities,
    areas,
    audit,
    broadcasts,
    conversations,
    escalations,
    groups,
    help_requests,
    infopoints,
    outbox,
    people,
    privacy,
    subscriptions,
    volunteers,
)
from models.base import Base

__all__ = [
    "Base",
    "activities",
    "areas",
    "audit",
    "broadcasts",
    "conversations",
    "escalations",
    "groups",
    "help_requests",
    "infopoints",
    "outbox",
    "people",
    "privacy",
    "subscriptions",
    "volunteers",
]

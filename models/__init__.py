"""The domain: mapped tables and the operations on them.

Importing this package registers every table on ``Base.metadata`` (Alembic needs that).
"""

from models import areas, conversations, people
from models.base import Base

__all__ = ["Base", "areas", "conversations", "people"]

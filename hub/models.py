"""Every table the hub defines, gathered in one SQLAlchemy metadata.

The migrations' autogenerate environment and the schema tests compare the database against it.
Kept out of :mod:`hub.schema` because the stores import that module to migrate at start-up:
importing every store from it would close an import cycle.
"""

from __future__ import annotations

from sqlalchemy import MetaData

import hub.audit  # noqa: F401  (defines the audit tables)
import hub.auth  # noqa: F401  (defines the users table)
import hub.learning.models  # noqa: F401  (defines the learning tables)
from hub.catalog import Base


def target_metadata() -> MetaData:
    """The models' metadata, with every module that defines tables imported."""
    return Base.metadata

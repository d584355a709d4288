"""Supervision models, one module per part: clocks and warnings, anomalies, orders."""

from govhall.supervision.models.anomalies import *  # noqa: F403
from govhall.supervision.models.clocks import *  # noqa: F403
from govhall.supervision.models.orders import *  # noqa: F403

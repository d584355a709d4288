"""Cases test data: items through the catalogue service, org rows through the org factories."""

from govhall.cases.models import Case, CaseEvent, SupplementNotice
from govhall.core.identity import ric_check_char
from govhall.core.models import AuditEvent
from govhall.org.models import Role
from tests.catalog.factories import make_item
from tests.org import factories as org


def ric(body17: str = "11010519491231002") -> str:
    return body17 + ric_check_char(body17)


def item(**overrides):
    return make_item(**overrides)


def clerk():
    return org.staff(role=Role.CLERK).user


def submit_kwargs(the_item, actor, **extra) -> dict:
    data = {
        "item": the_item,
        "site": org.centre(),
        "channel": "window",
        "applicant_name": "张三",
        "applicant_id_number": ric(),
        "actor": actor,
    }
    data.update(extra)
    return data


def counts() -> dict[str, int]:
    """Row counts of every table the cases services write, to show nothing changed.

    Refused permission checks are audited as failures (等保 2.0), so only successful events count."""
    rows = {m.__name__: m.objects.count() for m in (Case, CaseEvent, SupplementNotice)}
    return rows | {"AuditEvent": AuditEvent.objects.filter(success=True).count()}


def agent():
    """Agents work at a village station (org rule); the filing site is that station."""
    station = org.village(org.township())
    return org.staff(role=Role.AGENT, site=station).user, station

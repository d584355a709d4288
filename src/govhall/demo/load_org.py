"""Load the demo organisation: departments, sites (centre → sub-centre → township → station), windows.

Called only by ``govhall.demo.seed`` inside its transaction; uses bulk inserts so the whole demo
loads in a few seconds on SQLite.
"""

from dataclasses import dataclass, field

from govhall.demo.data import org as data
from govhall.org.models import Department, DepartmentKind, Site, SiteKind, Window


@dataclass
class OrgRefs:
    departments: dict[str, Department] = field(default_factory=dict)
    centre: Site | None = None
    sites: dict[str, Site] = field(default_factory=dict)  # by site code
    townships: list[Site] = field(default_factory=list)
    stations: list[Site] = field(default_factory=list)  # village and community stations
    windows_by_dept: dict[str, list[Window]] = field(default_factory=dict)  # at centre and sub-centres
    comprehensive: list[Window] = field(default_factory=list)
    township_windows: dict[str, list[Window]] = field(default_factory=dict)  # by TOWNSHIP_WINDOWS key


def phone(n: int, block: str = "26") -> str:
    """A fictitious 7-digit local number in the demo area code, deterministic in ``n``."""
    return f"{data.AREA_CODE}-{block}{(n * 7919 + 1234) % 100000:05d}"


def _seal(name: str, kind: str) -> str:
    if kind == DepartmentKind.UTILITY:
        return f"{name}业务专用章"
    if kind == DepartmentKind.TOWNSHIP:
        return f"{name}便民服务专用章"
    return f"{name}行政审批专用章"


def _township_department_name(name: str, is_street: bool) -> str:
    return f"{data.CITY}{name}{'办事处' if is_street else '人民政府'}"


def _department_rows() -> list[tuple[str, str, str, str]]:
    rows = list(data.DEPARTMENTS)
    for code, name, is_street, _digits, _stations in data.TOWNSHIPS:
        rows.append((f"T{code}", _township_department_name(name, is_street), name, DepartmentKind.TOWNSHIP))
    return rows


def load_departments(refs: OrgRefs) -> None:
    objs = [
        Department(
            code=code,
            name=name,
            short_name=short,
            kind=kind,
            phone=phone(i),
            complaint_phone=phone(i, block="28"),
            seal_text=_seal(name, kind),
            sort=i * 10,
        )
        for i, (code, name, short, kind) in enumerate(_department_rows(), start=1)
    ]
    Department.objects.bulk_create(objs)
    refs.departments = {d.code: d for d in Department.objects.all()}


def _site(code: str, name: str, kind: str, parent: Site | None, **extra) -> Site:
    return Site(code=code, name=name, kind=kind, parent=parent, **extra)


def load_sites(refs: OrgRefs) -> None:
    depts = refs.departments
    centre = _site(
        "QL",
        f"{data.CITY}政务服务中心",
        SiteKind.CENTRE,
        None,
        department=depts["ZWZX"],
        region_code=data.REGION_CODE,
        address=data.CENTRE_ADDRESS,
        phone=phone(0),
        hours=data.CENTRE_HOURS,
    )
    centre.save(force_insert=True)
    refs.centre = centre
    level2 = [
        _site(
            code,
            name,
            SiteKind.SUB_CENTRE,
            centre,
            department=depts[dept],
            region_code=data.REGION_CODE,
            address=address,
            phone=phone(40 + i),
            hours=data.CENTRE_HOURS,
        )
        for i, (code, name, dept, address) in enumerate(data.SUB_CENTRES)
    ]
    level2 += [_township_site(i, row, centre, depts) for i, row in enumerate(data.TOWNSHIPS, start=1)]
    level2 += [
        _site(
            f"QLSQ{i:02d}",
            f"{name}便民服务站",
            SiteKind.COMMUNITY,
            centre,
            department=depts["ZWZX"],
            region_code=f"{data.REGION_CODE}000{i:03d}",
            address=f"七里新区{name}居民委员会",
            phone=phone(80 + i, block="27"),
            hours=data.COMMUNITY_HOURS,
            open_weekdays="123456",
        )
        for i, name in enumerate(data.CENTRE_COMMUNITIES, start=1)
    ]
    Site.objects.bulk_create(level2)
    refs.sites = {s.code: s for s in Site.objects.all()}
    refs.townships = [refs.sites[row[0]] for row in data.TOWNSHIPS]
    stations = [s for i, row in enumerate(data.TOWNSHIPS, start=1) for s in _stations(i, row, refs)]
    Site.objects.bulk_create(stations)
    refs.sites = {s.code: s for s in Site.objects.all()}
    refs.stations = [s for s in refs.sites.values() if s.kind in (SiteKind.VILLAGE, SiteKind.COMMUNITY)]


def _township_site(i: int, row: tuple, centre: Site, depts: dict[str, Department]) -> Site:
    code, name, is_street, _digits, _stations = row
    return _site(
        code,
        f"{name}便民服务中心",
        SiteKind.TOWNSHIP,
        centre,
        department=depts[f"T{code}"],
        region_code=f"{data.REGION_CODE}{i:03d}000",
        address=f"{data.CITY}{name}{'政府街' if not is_street else '中心路'}{i * 3 + 1}号",
        phone=phone(100 + i, block="27"),
        hours=data.TOWNSHIP_HOURS,
    )


def _stations(i: int, row: tuple, refs: OrgRefs) -> list[Site]:
    code, name, _is_street, digits, stations = row
    township = refs.sites[code]
    result = []
    for j, station in enumerate(stations, start=1):
        village = station.endswith("村")
        result.append(
            _site(
                f"{code}{j:02d}",
                f"{name}{station}{'村级集中代办站' if village else '便民服务站'}",
                SiteKind.VILLAGE if village else SiteKind.COMMUNITY,
                township,
                department=township.department,
                region_code=f"{data.REGION_CODE}{i:03d}{j:03d}",
                address=f"{data.CITY}{name}{station}{'村民委员会' if village else '居民委员会'}",
                phone=phone(i * 100 + j, block="27"),
                hours=data.VILLAGE_HOURS if village else data.COMMUNITY_HOURS,
                # Village stations open on market days whatever the weekday (逢场日), so every
                # weekday is allowed and the day-of-month digits decide.
                open_weekdays="1234567" if village else "123456",
                market_day_digits=digits if village else "",
            )
        )
    return result


def load_windows(refs: OrgRefs) -> None:
    windows: list[Window] = []
    number = 0
    for dept_code, prefix, names in data.CENTRE_WINDOWS:
        for name in names:
            number += 1
            windows.append(
                Window(
                    site=refs.centre,
                    number=f"{number:02d}",
                    name=name,
                    department=refs.departments[dept_code],
                    is_comprehensive=dept_code == "ZWZX",
                    ticket_prefix=prefix,
                )
            )
    for site_code, _name, dept_code, _address in data.SUB_CENTRES:
        for j, name in enumerate(data.SUB_CENTRE_WINDOWS[site_code], start=1):
            windows.append(
                Window(
                    site=refs.sites[site_code],
                    number=f"{j:02d}",
                    name=name,
                    department=refs.departments[dept_code],
                    ticket_prefix=site_code[2],
                )
            )
    for township in refs.townships:
        for j, (key, name) in enumerate(data.TOWNSHIP_WINDOWS, start=1):
            windows.append(
                Window(
                    site=township,
                    number=f"{j:02d}",
                    name=f"{key}窗口（{name}）",
                    department=township.department,
                    is_comprehensive=True,
                    ticket_prefix="AB"[j - 1],
                )
            )
    Window.objects.bulk_create(windows)
    _index_windows(refs)


def _index_windows(refs: OrgRefs) -> None:
    keys = [key for key, _name in data.TOWNSHIP_WINDOWS]
    for window in Window.objects.select_related("site", "department").order_by("site__code", "number"):
        if window.site.kind == SiteKind.TOWNSHIP:
            key = keys[int(window.number) - 1]
            refs.township_windows.setdefault(key, []).append(window)
        elif window.is_comprehensive:
            refs.comprehensive.append(window)
        else:
            refs.windows_by_dept.setdefault(window.department.code, []).append(window)


def load_org() -> OrgRefs:
    refs = OrgRefs()
    load_departments(refs)
    load_sites(refs)
    load_windows(refs)
    return refs

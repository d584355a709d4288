"""Catalogue search over ~2,000 items: median time per search by Chinese word and by pinyin initials.

Runs against a throw-away test database (SQLite by default; DATABASE_URL=postgres://… for PostgreSQL):
    .venv/bin/python bench/bench_catalog_search.py [--items 2000] [--runs 200]
"""

import argparse
import itertools
import os
import statistics
import time
from decimal import Decimal

OBJECTS = [
    "营业执照", "食品经营许可证", "建设工程规划许可证", "建筑工程施工许可证", "排污许可证", "道路运输经营许可证",
    "药品经营许可证", "医疗机构执业许可证", "卫生许可证", "烟草专卖零售许可证", "娱乐场所经营许可证",
    "出版物经营许可证", "危险化学品经营许可证", "取水许可证", "林木采伐许可证", "特种设备使用登记证",
    "人力资源服务许可证", "劳务派遣经营许可证", "民办学校办学许可证", "社会团体登记证书", "民办非企业单位登记证书",
    "户口迁移证明", "居民身份证", "社会保障卡", "不动产权证书",
]  # fmt: skip
ACTIONS = ["核发", "变更", "延续", "注销", "补办", "换发", "年检", "备案"]
QUALIFIERS = [
    "",
    "（个人）",
    "（企业）",
    "（分支机构）",
    "（告知承诺）",
    "（容缺受理）",
    "（跨区迁移）",
    "（市级）",
    "（县级）",
    "（乡镇）",
]


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govhall.config.settings")
    import django

    django.setup()


def _create(n: int) -> None:
    from govhall.catalog.services import item_create
    from govhall.org.models import Department, DepartmentKind

    depts = [
        Department.objects.get_or_create(
            code=f"D{i:02d}", defaults={"name": f"部门{i:02d}", "kind": DepartmentKind.STATIONED}
        )[0]
        for i in range(20)
    ]
    names = ("".join(p) for p in itertools.product(OBJECTS, ACTIONS, QUALIFIERS))
    for i, name in zip(range(n), names, strict=False):
        data = {
            "code": f"BENCH-{i:05d}", "name": name, "item_type": "01", "department": depts[i % 20],
            "case_kind": 2, "legal_limit": Decimal(20), "promised_limit": Decimal(10), "legal_basis": "《行政许可法》",
        }  # fmt: skip
        materials = [{"name": "申请书"}, {"name": "身份证明"}]
        item_create(data=data, materials=materials, fees=[], flow=[], actor=None)


def _median_ms(query: str, runs: int) -> tuple[float, int]:
    from govhall.catalog.selectors import item_search

    timings, total = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        total = item_search(query, limit=20).total
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    _setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        started = time.perf_counter()
        _create(args.items)
        print(f"created {args.items} items through item_create in {time.perf_counter() - started:.1f} s "
              f"on {connection.vendor}")  # fmt: skip
        for label, query in [("word 营业执照", "营业执照"), ("two words 许可证 变更", "许可证 变更"),
                             ("initials yyzz", "yyzz"), ("full pinyin shipinjingying", "shipinjingying")]:  # fmt: skip
            median, total = _median_ms(query, args.runs)
            print(f"search {label:<30} {total:5d} hits  median {median:6.2f} ms  ({args.runs} runs)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""``govhall catalog export FILE.xlsx`` / ``govhall catalog import FILE.xlsx``.

Import is all-or-nothing: any bad row prints every problem (工作表 第N行 列名：原因) and exits 1
with nothing imported.
"""

import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from govhall.catalog.excel import catalogue_export, catalogue_import


class Command(BaseCommand):
    help = "事项目录 Excel 导出 / 导入"

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="导出全部事项到 Excel")
        export.add_argument("file")
        imp = sub.add_parser("import", help="从 Excel 导入事项（有错误则全部不导入）")
        imp.add_argument("file")
        imp.add_argument("--user", help="记入审计日志的操作人账号")

    def handle(self, *args, **options) -> None:
        if options["action"] == "export":
            counts = catalogue_export(options["file"])
            total = sum(counts.values())
            detail = "，".join(f"{sheet} {n} 行" for sheet, n in counts.items())
            self.stdout.write(f"已导出 {total} 行：{detail}")
            return
        actor = self._actor(options.get("user"))
        report = catalogue_import(options["file"], actor=actor)
        if not report.ok:
            for line in report.errors:
                self.stderr.write(line)
            self.stderr.write(f"共 {len(report.errors)} 处错误，未导入任何数据。")
            sys.exit(1)
        self.stdout.write(report.summary())

    def _actor(self, username: str | None):
        if not username:
            return None
        try:
            return get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"用户 {username} 不存在") from None

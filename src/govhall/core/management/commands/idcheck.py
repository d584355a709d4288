"""``govhall idcheck ric|uscc|mobile VALUE``: exit 0 valid (prints 有效 and the masked form), 1 invalid.

A stable command (see the README's command table): scripts rely on the exit codes; an unknown kind
is a usage error (exit 2, from argparse).
"""

import sys

from django.core.management.base import BaseCommand

from govhall.core.identity import CHECKS
from govhall.core.masking import mask_id_number, mask_mobile, mask_uscc

_MASKERS = {"ric": mask_id_number, "uscc": mask_uscc, "mobile": mask_mobile}


class Command(BaseCommand):
    # A pure check: no database and no URL configuration needed, so skip the system checks.
    requires_system_checks = []
    help = "检查身份证号码（ric）、统一社会信用代码（uscc）或手机号码（mobile）：有效退出码0，无效退出码1。"

    def add_arguments(self, parser) -> None:
        parser.add_argument("kind", choices=sorted(CHECKS), help="ric | uscc | mobile")
        parser.add_argument("value", help="要检查的号码")

    def handle(self, *args, kind: str, value: str, **options) -> None:
        result = CHECKS[kind](value)
        if result.valid:
            self.stdout.write(f"{result.reason} {_MASKERS[kind](result.normalized)}")
            return
        self.stdout.write(result.reason)
        self.stdout.flush()
        sys.exit(1)

"""``govhall token create USERNAME [--label L]`` / ``list USERNAME`` / ``revoke (TOKEN | --id N | --user U --all)``.

The raw token is printed once at creation; only its SM3 digest is stored (CONTRACTS.md "Commands").
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from govhall.core import accounts
from govhall.core.errors import DomainError
from govhall.core.models import ApiToken, User


class Command(BaseCommand):
    help = "签发、列出或吊销 /api/v1 的访问令牌（Bearer）。"

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="为用户签发新令牌，仅显示一次")
        create.add_argument("username")
        create.add_argument("--label", default="", help="令牌用途说明")
        listing = sub.add_parser("list", help="列出用户的令牌")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke", help="吊销令牌")
        revoke.add_argument("token", nargs="?", default="", help="令牌原文")
        revoke.add_argument("--id", type=int, dest="token_id", help="令牌编号（见 list）")
        revoke.add_argument("--user", default="", help="与 --all 一起：吊销该用户的全部令牌")
        revoke.add_argument("--all", action="store_true")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message, returncode=1) from exc

    def _user(self, username: str) -> User:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"用户“{username}”不存在。", returncode=1)
        return user

    def _create(self, *, username: str, label: str, **_) -> None:
        _token, raw = accounts.api_token_create(user=self._user(username), label=label)
        self.stdout.write(raw)

    def _list(self, *, username: str, **_) -> None:
        for token in self._user(username).api_tokens.order_by("id"):
            state = "已吊销" if token.revoked_at else "有效"
            used = timezone.localtime(token.last_used_at).isoformat() if token.last_used_at else "-"
            self.stdout.write(f"{token.id}\t{state}\t{token.label or '-'}\t最近使用 {used}")

    def _revoke(self, *, token: str, token_id: int | None, user: str, all: bool, **_) -> None:  # noqa: A002
        tokens = self._tokens_to_revoke(token, token_id, user, all)
        for item in tokens:
            accounts.api_token_revoke(token=item)
        self.stdout.write(f"已吊销 {len(tokens)} 个令牌。")

    def _tokens_to_revoke(self, raw: str, token_id: int | None, username: str, all_of_user: bool) -> list:
        if raw:
            found = ApiToken.objects.filter(digest=accounts.token_digest(raw)).first()
        elif token_id is not None:
            found = ApiToken.objects.filter(pk=token_id).first()
        elif username and all_of_user:
            return list(self._user(username).api_tokens.filter(revoked_at__isnull=True))
        else:
            raise CommandError("请给出令牌原文、--id 编号，或 --user 用户名 --all。", returncode=1)
        if found is None:
            raise CommandError("令牌不存在。", returncode=1)
        return [found]

"""Checks on an uploaded file before it is stored (等保 2.0: malicious code prevention at the border).

The type comes from the content (magic bytes), never from the name or the browser's header: a
declared name or content type that disagrees with the content is refused. PDFs are scanned for
JavaScript and launch actions, and their pages counted, without a PDF library (pypdf is not a
dependency): page objects (``/Type /Page``) are counted in the file and inside its compressed
object streams, so the count is an upper bound (an incrementally updated file may repeat a page).
Images are verified with Pillow (installed with WeasyPrint) when it is importable.
"""

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from io import BytesIO

from django.conf import settings
from django.utils.translation import gettext as _

from govhall.core.errors import ValidationFailed

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_PDF_PAGES = 200
MAX_NAME_LENGTH = 100
DECOMPRESS_BUDGET = 32 * 1024 * 1024  # inflated object streams per file (a zip bomb stops here)


@dataclass(frozen=True)
class FileType:
    content_type: str
    extensions: tuple[str, ...]
    magic: bytes
    label: str
    aliases: tuple[str, ...] = ()


TYPES = {
    "pdf": FileType("application/pdf", (".pdf",), b"%PDF-", "PDF", ("application/x-pdf",)),
    "jpeg": FileType(
        "image/jpeg", (".jpg", ".jpeg", ".jpe"), b"\xff\xd8\xff", "JPEG", ("image/jpg", "image/pjpeg")
    ),
    "png": FileType("image/png", (".png",), b"\x89PNG\r\n\x1a\n", "PNG"),
}


def extension_for(content_type: str) -> str:
    """The canonical extension of a checked content type (".pdf", ".jpg", ".png")."""
    return next(t.extensions[0] for t in TYPES.values() if t.content_type == content_type)


GENERIC_TYPES = frozenset({"", "application/octet-stream", "binary/octet-stream"})


@dataclass(frozen=True)
class CheckedUpload:
    name: str  # sanitised original name, with the extension of the real type
    content_type: str  # from the content
    size: int
    sha256: str


class UploadRefused(ValidationFailed):
    code = "uploads.refused"


def _refuse(message: str, code: str) -> UploadRefused:
    return UploadRefused(message, code=code, field="file")


def max_upload_bytes() -> int:
    return int(getattr(settings, "GOVHALL_UPLOAD_MAX_BYTES", DEFAULT_MAX_BYTES))


# --- names ---------------------------------------------------------------------------------------

_RESERVED = re.compile(r'[<>:"|?*]')


def sanitise_name(raw, *, max_length: int = MAX_NAME_LENGTH) -> str:
    """The last path part, without control or format characters (e.g. a right-to-left override that
    disguises ``exe.pdf``), reserved characters or leading dots, cut to ``max_length`` keeping the
    extension."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] not in ("C", "Z") or ch == " ")
    name = _RESERVED.sub("_", name).strip().lstrip(".").strip()
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or len(ext) > 10:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    stem = stem[: max(max_length - len(ext), 1)].rstrip(" .")
    return (stem or "upload") + ext


def _extension(name: str) -> str:
    _stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and _stem else ""


# --- content -------------------------------------------------------------------------------------


def sniff(data: bytes) -> str | None:
    """The type key whose magic bytes start ``data`` (PDF may follow a little leading junk)."""
    for key, kind in TYPES.items():
        if data.startswith(kind.magic):
            return key
    if TYPES["pdf"].magic in data[:1024]:  # readers accept the header within the first 1 KiB
        return "pdf"
    return None


def _read(uploaded_file, limit: int) -> bytes:
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    if hasattr(uploaded_file, "chunks"):
        parts, total = [], 0
        for chunk in uploaded_file.chunks():
            parts.append(chunk)
            total += len(chunk)
            if total > limit:
                break
        data = b"".join(parts)
    else:
        data = uploaded_file.read(limit + 1)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    return data


_NAME_TOKEN = re.compile(rb"/[^\s/<>\[\]()%{}]+")
_HEX = re.compile(rb"#([0-9A-Fa-f]{2})")


def _names(blob: bytes) -> bytes:
    """Decode ``#xx`` escapes in PDF names (``/J#61vaScript`` is ``/JavaScript``)."""
    return _NAME_TOKEN.sub(lambda m: _HEX.sub(lambda h: bytes([int(h.group(1), 16)]), m.group(0)), blob)


_STREAM = re.compile(rb"stream\r?\n")


def _object_streams(data: bytes):
    """Inflated object streams (PDF 1.5 /ObjStm), where page and action dictionaries may hide."""
    budget = DECOMPRESS_BUDGET
    for match in _STREAM.finditer(data):
        if data[max(match.start() - 3, 0) : match.start()] == b"end":
            continue
        head = _names(data[max(data.rfind(b"obj", 0, match.start()), 0) : match.start()])
        if b"/ObjStm" not in head:
            continue
        end = data.find(b"endstream", match.end())
        try:
            inflated = zlib.decompressobj().decompress(
                data[match.end() : end if end > 0 else None], budget + 1
            )
        except zlib.error:
            continue
        budget -= len(inflated)
        if budget < 0:
            raise _refuse(_("PDF 文件结构过于复杂，无法检查。"), "uploads.pdf_too_complex")
        yield _names(inflated)


_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z0-9])")
_JS = re.compile(rb"/(?:JS|JavaScript)(?![A-Za-z0-9])")
_LAUNCH = re.compile(rb"/Launch(?![A-Za-z0-9])")


def _check_pdf(data: bytes, max_pages: int) -> int:
    plain = _names(data)
    if re.search(rb"/Encrypt(?![A-Za-z0-9])", plain):
        raise _refuse(_("加密的 PDF 无法检查内容，请上传未加密的文件。"), "uploads.pdf_encrypted")
    pages = 0
    for blob in (plain, *_object_streams(data)):
        if _JS.search(blob):
            raise _refuse(_("PDF 文件含有 JavaScript 脚本，不予接收。"), "uploads.pdf_javascript")
        if _LAUNCH.search(blob):
            raise _refuse(_("PDF 文件含有启动外部程序的操作，不予接收。"), "uploads.pdf_launch")
        pages += len(_PAGE.findall(blob))
    if pages == 0:
        raise _refuse(_("PDF 文件没有页面或已损坏。"), "uploads.pdf_corrupt")
    if pages > max_pages:
        raise _refuse(
            _("PDF 文件共%(p)d页，超过%(m)d页的上限。") % {"p": pages, "m": max_pages},
            "uploads.pdf_too_many_pages",
        )
    return pages


def _check_image(data: bytes) -> None:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - Pillow comes with WeasyPrint
        return
    try:
        with Image.open(BytesIO(data)) as image:
            image.verify()
    except Exception:  # noqa: BLE001 - any decoder error (or a decompression bomb) means refuse
        raise _refuse(_("图片文件已损坏或无法识别。"), "uploads.image_corrupt") from None


# --- the check -----------------------------------------------------------------------------------


def _check_declared(kind: FileType, name: str, declared_type: str) -> None:
    ext = _extension(name)
    if ext and ext not in kind.extensions:
        raise _refuse(
            _("文件扩展名“%(e)s”与文件内容（%(k)s）不符。") % {"e": ext, "k": kind.label},
            "uploads.name_mismatch",
        )
    declared = (declared_type or "").split(";")[0].strip().lower()
    if declared not in GENERIC_TYPES and declared not in (kind.content_type, *kind.aliases):
        raise _refuse(
            _("声明的文件类型“%(t)s”与文件内容（%(k)s）不符。") % {"t": declared, "k": kind.label},
            "uploads.type_mismatch",
        )


def check_upload(
    uploaded_file,
    *,
    max_bytes: int | None = None,
    allowed=("pdf", "jpeg", "png"),
    max_pages: int = MAX_PDF_PAGES,
) -> CheckedUpload:
    """Check an uploaded file (Django ``UploadedFile`` or any file object with ``name``).

    Raises ``UploadRefused`` (codes ``uploads.*``) when it is empty, too large, of a type not in
    ``allowed`` (judged by content), named or declared as another type, a PDF with JavaScript, a
    launch action, encryption or more than ``max_pages`` pages, or a corrupt image.
    """
    max_bytes = max_bytes or max_upload_bytes()
    name = sanitise_name(getattr(uploaded_file, "name", ""))
    too_large = _refuse(
        _("文件超过%(m)s MB的大小上限。") % {"m": f"{max_bytes / 1024 / 1024:g}"}, "uploads.too_large"
    )
    if (getattr(uploaded_file, "size", None) or 0) > max_bytes:
        raise too_large
    data = _read(uploaded_file, max_bytes)
    if len(data) > max_bytes:
        raise too_large
    if not data:
        raise _refuse(_("文件为空。"), "uploads.empty")
    key = sniff(data)
    labels = "、".join(TYPES[k].label for k in allowed)
    if key is None or key not in allowed:
        raise _refuse(_("仅接受 %(l)s 文件（按文件内容识别）。") % {"l": labels}, "uploads.type_not_allowed")
    kind = TYPES[key]
    _check_declared(kind, name, getattr(uploaded_file, "content_type", "") or "")
    if key == "pdf":
        _check_pdf(data, max_pages)
    else:
        _check_image(data)
    if not _extension(name):
        name = sanitise_name(name + kind.extensions[0])
    return CheckedUpload(
        name=name, content_type=kind.content_type, size=len(data), sha256=hashlib.sha256(data).hexdigest()
    )

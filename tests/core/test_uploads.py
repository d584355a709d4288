"""core.uploads.check_upload: the type by content, the size, PDF pages and scripts, the name."""

import hashlib
import zlib
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from govhall.core.uploads import check_upload, sanitise_name


def pdf(pages: int = 1, extra: tuple[bytes, ...] = (), catalog: bytes = b"") -> bytes:
    """A minimal well-formed PDF with ``pages`` page objects and ``extra`` objects appended."""
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
               f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode()]  # fmt: skip
    objects += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"] * pages
    body = b"%PDF-1.7\n"
    for number, obj in enumerate([*objects, *extra], 1):
        body += f"{number} 0 obj\n".encode() + obj + b"\nendobj\n"
    return body + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"


def object_stream(inner: bytes, count: int) -> bytes:
    data = zlib.compress(inner)
    head = f"<< /Type /ObjStm /N {count} /First 0 /Filter /FlateDecode /Length {len(data)} >>\nstream\n"
    return head.encode() + data + b"\nendstream"


def image(fmt: str) -> bytes:
    from PIL import Image

    out = BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, fmt)
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def refused(file, code: str, words: str = "", **kwargs):
    with pytest.raises(Exception) as err:
        check_upload(file, **kwargs)
    assert getattr(err.value, "code", None) == code, err.value
    assert words in err.value.message, err.value.message
    assert err.value.http_status == 400
    return err.value


# --- accepted files --------------------------------------------------------------------------------


def test_a_pdf_is_known_by_its_content():
    data = pdf(3)
    checked = check_upload(upload("营业执照.pdf", data, "application/pdf"))
    assert (checked.name, checked.content_type, checked.size) == (
        "营业执照.pdf",
        "application/pdf",
        len(data),
    )
    assert checked.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(
    ("fmt", "name", "content_type"), [("JPEG", "照片.JPG", "image/jpeg"), ("PNG", "签名.png", "image/png")]
)
def test_images_are_known_by_their_content(fmt, name, content_type):
    checked = check_upload(upload(name, image(fmt), content_type))
    assert (checked.name, checked.content_type) == (name, content_type)


def test_a_file_without_an_extension_gets_the_one_of_its_content():
    assert check_upload(upload("scan", image("PNG"))).name == "scan.png"


def test_pages_hidden_in_a_compressed_object_stream_are_counted():
    inner = b" ".join([b"<< /Type /Page /Parent 2 0 R >>"] * 3)
    assert check_upload(upload("a.pdf", pdf(0, extra=(object_stream(inner, 3),))))
    inner = b" ".join([b"<< /Type /Page /Parent 2 0 R >>"] * 201)
    refused(
        upload("a.pdf", pdf(0, extra=(object_stream(inner, 201),))), "uploads.pdf_too_many_pages", "201页"
    )


def test_a_real_pdf_from_weasyprint_counts_its_pages():
    weasyprint = pytest.importorskip("weasyprint")
    html = "<p>一</p>" + '<p style="page-break-before: always">二</p>' * 2
    data = weasyprint.HTML(string=html).write_pdf()
    assert check_upload(upload("notice.pdf", data), max_pages=3).size == len(data)
    refused(upload("notice.pdf", data), "uploads.pdf_too_many_pages", "3页", max_pages=2)


# --- refused files -----------------------------------------------------------------------------------


def test_a_pdf_over_the_page_limit():
    refused(upload("big.pdf", pdf(201)), "uploads.pdf_too_many_pages", "200页")
    assert check_upload(upload("ok.pdf", pdf(200)))


@pytest.mark.parametrize(
    "extra",
    [
        b"<< /S /JavaScript /JS (app.alert(1)) >>",
        b"<< /S /J#61vaScript /J#53 (app.alert(1)) >>",  # names spelled with #xx escapes
        object_stream(b"<< /Type /Page >> << /S /JavaScript /JS (app.alert(1)) >>", 2),
    ],
    ids=["plain", "escaped", "in an object stream"],
)
def test_a_pdf_with_javascript_is_refused(extra):
    refused(upload("form.pdf", pdf(1, extra=(extra,))), "uploads.pdf_javascript", "JavaScript")


def test_a_pdf_that_launches_a_program_or_is_encrypted_is_refused():
    refused(
        upload("a.pdf", pdf(1, extra=(b"<< /S /Launch /F (calc.exe) >>",))), "uploads.pdf_launch", "外部程序"
    )
    refused(upload("a.pdf", pdf(1, catalog=b"/Encrypt 9 0 R ")), "uploads.pdf_encrypted", "加密")


def test_a_pdf_without_pages_is_refused():
    refused(upload("a.pdf", b"%PDF-1.7\n%%EOF\n"), "uploads.pdf_corrupt", "损坏")


@pytest.mark.parametrize(
    ("name", "data", "content_type", "code", "words"),
    [
        ("scan.pdf", image("PNG"), "application/pdf", "uploads.name_mismatch", ".pdf"),
        ("scan.png", pdf(), "image/png", "uploads.name_mismatch", "PDF"),
        ("scan.pdf", pdf(), "image/png", "uploads.type_mismatch", "image/png"),
        (
            "setup.exe",
            b"MZ\x90\x00" + b"\x00" * 60,
            "application/octet-stream",
            "uploads.type_not_allowed",
            "PDF",
        ),
        ("a.pdf", b"", "application/pdf", "uploads.empty", "空"),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20, "image/png", "uploads.image_corrupt", "损坏"),
    ],
    ids=["png named pdf", "pdf named png", "declared type", "executable", "empty", "broken png"],
)
def test_content_decides_and_a_disagreeing_name_is_refused(name, data, content_type, code, words):
    refused(upload(name, data, content_type), code, words)


def test_size_limit_from_the_argument_and_the_setting(settings):
    data = pdf(1)
    refused(upload("a.pdf", data), "uploads.too_large", "大小上限", max_bytes=len(data) - 1)
    settings.GOVHALL_UPLOAD_MAX_BYTES = len(data) - 1
    refused(upload("a.pdf", data), "uploads.too_large")
    settings.GOVHALL_UPLOAD_MAX_BYTES = len(data)
    assert check_upload(upload("a.pdf", data)).size == len(data)


def test_allowed_types_can_be_narrowed():
    refused(upload("a.png", image("PNG")), "uploads.type_not_allowed", "PDF", allowed=("pdf",))


# --- names ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\Users\\张三\\营业执照.pdf", "营业执照.pdf"),
        ("a\x00b\r\n.pdf", "ab.pdf"),
        ("invoice\u202efdp.exe", "invoicefdp.exe"),  # a right-to-left override hides the real extension
        ('what?<is>:"this"|*.pdf', "what__is___this___.pdf"),
        ("...hidden.pdf", "hidden.pdf"),
        ("", "upload"),
        ("长" * 300 + ".pdf", "长" * 96 + ".pdf"),
    ],
)
def test_names_are_sanitised(raw, clean):
    assert sanitise_name(raw) == clean

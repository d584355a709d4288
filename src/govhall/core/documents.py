"""Printable documents: HTML templates rendered to PDF with WeasyPrint, and QR codes.

Government intranets are offline, so the renderer never fetches from the network: ``/static/``
URLs are read from the app's own static files, ``data:`` URIs are decoded, anything else is refused.
Chinese text uses the Debian font "WenQuanYi Micro Hei" (fonts-wqy-microhei) through fontconfig.
"""

import base64
import io
import mimetypes
from pathlib import Path

import qrcode
from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

PDF_FONT_FAMILY = "WenQuanYi Micro Hei"
BASE_URL = "file:///govhall-static/"  # a base that resolves relative URLs without any network


class OfflineFetchRefused(ValueError):
    """A document tried to load something that is not a local static file or a data: URI."""


def _static_path(url: str) -> Path | None:
    # "/static/x" in a template resolves against BASE_URL to "file:///static/x"; "x" to BASE_URL + "x".
    for prefix in (settings.STATIC_URL, "file://" + settings.STATIC_URL, BASE_URL):
        if url.startswith(prefix):
            found = finders.find(url[len(prefix) :].split("?")[0])
            return Path(found) if found else None
    return None


def _offline_fetcher():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class OfflineFetcher(URLFetcher):
        """Serves ``data:`` URIs and our static files; refuses everything else (no network I/O)."""

        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)  # decoded by urllib's DataHandler, no network
            path = _static_path(url)
            if path is None:
                raise OfflineFetchRefused(f"refused to fetch {url!r} while rendering a document")
            mime, _ = mimetypes.guess_type(path.name)
            content_type = mime or "application/octet-stream"
            return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": content_type})

    return OfflineFetcher(allowed_protocols={"data", "file"})


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a Django template to PDF bytes (A4 unless the template's CSS says otherwise)."""
    from weasyprint import HTML  # imported lazily: loading Pango costs ~0.5 s

    html = render_to_string(template_name, {"pdf_font_family": PDF_FONT_FAMILY, **context})
    return HTML(string=html, base_url=BASE_URL, url_fetcher=_offline_fetcher()).write_pdf()


def qr_png_data_uri(url: str) -> str:
    """A QR code of ``url`` as a ``data:image/png;base64,…`` URI, usable in pages and PDFs."""
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=6, border=2)
    qr.add_data(url)
    qr.make(fit=True)
    buffer = io.BytesIO()
    qr.make_image().save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

"""The shared PDF/QR helper: offline rendering (no network fetch) and a readable QR data URI."""

import base64
import io

import pytest
from PIL import Image

from govhall.core.documents import OfflineFetchRefused, _offline_fetcher, qr_png_data_uri


def test_qr_is_a_png_data_uri():
    uri = qr_png_data_uri("http://127.0.0.1:8000/guide/SPJY-1/")
    assert uri.startswith("data:image/png;base64,")
    image = Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])))
    assert image.format == "PNG" and image.size[0] == image.size[1] > 100


def test_fetcher_serves_static_files_and_data_uris_but_refuses_the_network():
    fetcher = _offline_fetcher()
    for url in (
        "/static/govhall/govhall.css",
        "file:///static/govhall/govhall.css",
        "file:///govhall-static/govhall/govhall.css",
    ):
        assert b"WenQuanYi Micro Hei" in fetcher.fetch(url).read()
    with pytest.raises(OfflineFetchRefused):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.fetch("data:text/plain;base64,5LiA").read() == "一".encode()
    with pytest.raises(OfflineFetchRefused):
        fetcher.fetch("https://cdn.example.com/font.woff2")

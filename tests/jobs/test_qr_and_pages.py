import struct
import zlib

import pytest
import zxingcpp
from django.conf import settings

pytestmark = pytest.mark.django_db


def png_to_gray(data: bytes) -> memoryview:
    """Decode a (segno-written) PNG into an 8-bit grayscale buffer for zxing-cpp (no Pillow needed)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, palette = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, color = struct.unpack(">IIBB", body[:10])
        elif kind == b"PLTE":
            palette = [body[i : i + 3] for i in range(0, len(body), 3)]
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    assert color in (0, 3) and depth in (1, 2, 4, 8), (color, depth)
    raw = zlib.decompress(idat)
    stride = (width * depth + 7) // 8
    bpp = max(depth // 8, 1)
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1 : i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = prev[x], prev[x - bpp] if x >= bpp else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        prev = line
    out = bytearray()
    per_byte = 8 // depth
    for line in rows:
        for x in range(width):
            value = (line[x // per_byte] >> (8 - depth * (x % per_byte + 1))) & ((1 << depth) - 1)
            if color == 3:
                value = sum(palette[value]) // 3
            elif depth < 8:
                value = value * 255 // ((1 << depth) - 1)
            out.append(value)
    return memoryview(bytes(out)).cast("B", (height, width))


def test_qr_png_decodes_to_short_link(employer_client, client, link, posting, fair):
    body = employer_client.post(
        f"/api/v1/jobs/postings/{posting.pk}/link/", {"session": str(fair.pk)}, format="json"
    ).json()
    assert body["code"] == link.code
    assert body["url"] == f"{settings.SITE_URL}/j/{link.code}/"
    png = client.get(f"/j/{link.code}/qr.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    results = zxingcpp.read_barcodes(png_to_gray(png.content))
    assert [r.text for r in results] == [body["url"]]
    svg = client.get(f"/j/{link.code}/qr.svg")
    assert svg["Content-Type"] == "image/svg+xml"
    assert b"<svg" in svg.content


def test_short_link_resolves_to_apply_page(client, link):
    page = client.get(f"/j/{link.code}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "电子厂普工" in html and "恒芯电子" in html
    assert 'name="phone"' in html and 'type="tel"' in html
    assert client.get("/j/unknown1/").status_code == 404


def test_link_for_session_without_posting_refused(employer_client, posting, union):
    from tests import factories

    other = factories.make_session(union=union, status="scheduled")
    response = employer_client.post(
        f"/api/v1/jobs/postings/{posting.pk}/link/", {"session": str(other.pk)}, format="json"
    )
    assert response.status_code == 400
    assert "session" in response.json()["error"]["fields"]


def test_apply_page_form_post_shows_confirmation_and_errors(client, link):
    bad = client.post(f"/j/{link.code}/", {"name": "张伟", "phone": "123"})
    assert bad.status_code == 400
    assert "手机号" in bad.content.decode()
    ok = client.post(f"/j/{link.code}/", {"name": "张伟", "phone": "13800138000"})
    assert ok.status_code == 302 and ok["Location"].startswith(
        f"/j/{link.code}/?done="
    )  # redirect after POST
    done = client.get(ok["Location"])
    assert "报名成功" in done.content.decode() and "138****8000" in done.content.decode()
    again = client.post(f"/j/{link.code}/", {"name": "张伟", "phone": "13800138000"}, follow=True)
    assert again.status_code == 200
    assert "您已报过名" in again.content.decode()


def test_a_forged_done_link_shows_the_form(client, link):
    assert 'name="phone"' in client.get(f"/j/{link.code}/?done=forged").content.decode()


def test_apply_page_english(client, link):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get(f"/j/{link.code}/")
    assert page.status_code == 200
    assert page.content.decode().startswith("<!doctype html>") or "<html" in page.content.decode()


def test_employer_inbox_page(client, employer_user, link, posting):
    from jobs import services

    services.application_submit(posting=posting, name="张伟", phone="13800138000")
    client.force_login(employer_user)
    page = client.get("/jobs/employer/")
    assert "13800138000" in page.content.decode()

"""Bodies over MAX_CONTENT_LENGTH get the Swedish 413 page, however they are sent; HSTS only in production."""
from __future__ import annotations

import http.client
import io
import threading
import uuid

import pytest
from werkzeug.serving import make_server

from portal import config
from tests.helpers import PASSWORD

LIMIT = 64 * 1024
TOO_LARGE = "Filen är för stor"
HSTS = "max-age=31536000; includeSubDomains"


def _urlencoded(size: int, email: str = "a@lekeberg.example", password: str = "") -> tuple[bytes, str]:
    body = f"email={email}&password={password}&fyll=".encode() + b"x" * size
    return body, "application/x-www-form-urlencoded"


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    body = (f'--{boundary}\r\nContent-Disposition: form-data; name="email"\r\n\r\na@lekeberg.example\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="scan"; filename="skanning.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n").encode() + b"%" * size + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.fixture
def limited_app(make_app):
    return make_app(MAX_CONTENT_LENGTH=LIMIT)


@pytest.mark.parametrize("build", [_urlencoded, _multipart], ids=["urlencoded", "multipart"])
@pytest.mark.parametrize("url", ["/logga-in", "/konto/losenord"])
def test_a_body_over_the_limit_with_content_length_gets_the_swedish_413_page(limited_app, build, url):
    body, content_type = build(LIMIT * 2)
    response = limited_app.test_client().post(url, data=body, content_type=content_type)
    assert response.status_code == 413
    assert TOO_LARGE in response.get_data(as_text=True)


@pytest.mark.parametrize("build", [_urlencoded, _multipart], ids=["urlencoded", "multipart"])
def test_a_streamed_body_over_the_limit_gets_the_413_page_too(limited_app, build):
    """Without Content-Length (the server dechunked it): werkzeug would cut an urlencoded body short and go on."""
    body, content_type = build(LIMIT * 2)
    response = limited_app.test_client().post(
        "/logga-in", input_stream=io.BytesIO(body), content_type=content_type,
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert response.status_code == 413 and TOO_LARGE in response.get_data(as_text=True)


def test_a_streamed_body_within_the_limit_is_read_whole(limited_app, make_user):
    user = make_user()
    body = f"email={user.email}&password={PASSWORD}".encode()
    response = limited_app.test_client().post(
        "/logga-in", input_stream=io.BytesIO(body), content_type="application/x-www-form-urlencoded",
        environ_overrides={"wsgi.input_terminated": True, "CONTENT_LENGTH": ""})
    assert response.status_code == 302  # logged in: nothing was lost on the way


@pytest.fixture
def server(limited_app):
    httpd = make_server("127.0.0.1", 0, limited_app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    thread.join(timeout=10)


def _send(port: int, body: bytes, content_type: str, *, chunked: bool) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        if chunked:
            chunks = iter([body[i:i + 8192] for i in range(0, len(body), 8192)])
            conn.request("POST", "/logga-in", body=chunks, headers={"Content-Type": content_type},
                         encode_chunked=True)
        else:
            conn.request("POST", "/logga-in", body=body, headers={"Content-Type": content_type})
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
@pytest.mark.parametrize("build", [_urlencoded, _multipart], ids=["urlencoded", "multipart"])
def test_a_real_server_answers_413_in_swedish(server, build, chunked):
    status, html = _send(server, *build(LIMIT * 3), chunked=chunked)
    assert status == 413 and TOO_LARGE in html


def test_a_real_server_reads_a_chunked_login_within_the_limit(server, make_user):
    user = make_user()
    status, _html = _send(server, *_urlencoded(LIMIT // 2, email=user.email, password=PASSWORD), chunked=True)
    assert status == 302


# --- HSTS -----------------------------------------------------------------------------------------------------


def test_hsts_is_set_in_production_and_not_in_development(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://portal@db.example/portal")
    monkeypatch.delenv("SESSION_COOKIE_SECURE", raising=False)
    monkeypatch.delenv("REQUIRE_TWO_FACTOR", raising=False)
    production = config.load(tmp_path, {"PORTAL_ENV": "production", "SECRET_KEY": "k" * 40})
    assert production["STRICT_TRANSPORT_SECURITY"] == HSTS
    development = config.load(tmp_path, {"PORTAL_ENV": "development", "SECRET_KEY": "k" * 40})
    assert development["STRICT_TRANSPORT_SECURITY"] is None


def test_the_development_and_test_apps_send_no_hsts(client):
    response = client.get("/logga-in")
    assert response.status_code == 200 and "Strict-Transport-Security" not in response.headers


def test_an_app_with_the_production_setting_sends_hsts_on_every_answer(make_app):
    client = make_app(STRICT_TRANSPORT_SECURITY=HSTS).test_client()
    for url in ("/logga-in", "/finns-inte", "/"):
        assert client.get(url).headers["Strict-Transport-Security"] == HSTS


def test_a_production_app_sends_hsts(make_app, database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("production needs PostgreSQL")
    app = make_app(PORTAL_ENV="production", SECRET_KEY="k" * 40, REQUIRE_TWO_FACTOR=True)
    assert app.test_client().get("/logga-in").headers["Strict-Transport-Security"] == HSTS

"""Hold under attack: refuse what no Twilio request looks like before any work is done on it."""
import pytest

from .conftest import GATEWAY
from .phone import BASE_URL


def raw_post(client, path, body: bytes, **headers):
    return client.post(BASE_URL + path, data=body, content_type="application/x-www-form-urlencoded",
                       headers=headers)


@pytest.mark.parametrize("body", [
    b"a=" + b"x" * 900_000,                                   # 0.9 MB of one field
    b"&".join(b"f%d=1" % i for i in range(100_000)),         # 100 000 fields
    b"x" * (16 * 1024 + 1),                                  # just over the limit
])
def test_an_oversized_unsigned_body_is_refused_with_413(client, body):
    response = raw_post(client, "/voice", body)
    assert response.status_code == 413


def test_too_many_fields_in_a_small_body_are_refused(client):
    assert raw_post(client, "/voice", b"&".join(b"f=%d" % i for i in range(300))).status_code == 413


def test_a_declared_size_over_the_limit_is_refused_without_reading_the_body(app):
    class Unread:
        def read(self, *args):
            raise AssertionError("the body was read")
    statuses = []
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/voice", "SERVER_NAME": "line.example.org",
               "SERVER_PORT": "443", "wsgi.url_scheme": "https", "wsgi.input": Unread(),
               "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(100 * 1024 * 1024)}
    body = app.wsgi_app(environ, lambda status, headers: statuses.append(status))
    assert statuses == ["413 Content Too Large"] and b"more than 16384 bytes" in b"".join(body)


def test_a_refused_flood_parses_nothing_and_a_signed_call_still_goes_through(client, phone, monkeypatch):
    from flask import Request
    parsed = []
    original = Request._load_form_data
    monkeypatch.setattr(Request, "_load_form_data", lambda self: (parsed.append(self.path), original(self))[1])
    flood = b"&".join(b"f%d=1" % i for i in range(100_000))
    for _ in range(20):
        assert raw_post(client, "/voice", flood).status_code == 413
    assert parsed == []   # no form parsed, no signature computed: a refusal costs almost nothing
    assert phone.english().press("0").dialled == [GATEWAY]


def test_a_normal_signed_call_is_untouched(phone):
    assert phone.english().press("2").said[0].startswith("Here are some of the warning signs")

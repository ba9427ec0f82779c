"""Odd input on the login and account pages gets a 4xx and a Swedish page, never a server error."""
from __future__ import annotations

import pytest

ODD_VALUES = ["", " ", "x" * 5000, "nul\x00byte@lekeberg.example", "åäö@lekeberg.example", "<script>", "%00",
              "ﬀ@ﬀ.se", "' OR 1=1 --"]


def test_login_survives_odd_input(client, make_user):
    make_user()
    for value in ODD_VALUES:
        response = client.post("/logga-in", data={"email": value, "password": value})
        assert 400 <= response.status_code < 500, value
        assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize("url", ["/konto/losenord", "/konto/tvafaktor", "/sprak", "/logga-in/kod",
                                 "/logga-in/tvafaktor"])
def test_account_pages_survive_odd_input(client, make_user, url, login):
    login(make_user())
    for value in ODD_VALUES:
        data = {"current": value, "new": value, "repeat": value, "code": value, "lang": value, "next": value}
        response = client.post(url, data=data)
        assert response.status_code < 500, value


@pytest.mark.parametrize("url", ["/logga-in", "/logga-in?next=%00", "/tillganglighet?q=a%00b"])
def test_a_nul_byte_anywhere_gets_the_swedish_400_page(client, url):
    response = client.post(url, data={"email": ["ok@b.se", "a\x00@b.se"], "password": "x"}) \
        if url == "/logga-in" else client.get(url)
    assert response.status_code == 400
    assert "Felaktig begäran" in response.get_data(as_text=True)

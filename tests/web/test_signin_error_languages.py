"""The frame's own sentences in the reader's language: the sign-in page's refusal
(N_-marked in api/signin.py) and the error page of a wrong address
(web/error_pages.py), both translated when the page is rendered."""

# ruff: noqa: F811

from __future__ import annotations

import httpx
import pytest
from harness import Server, site  # noqa: F401 - fixtures

HTML = {"Accept": "text/html"}


@pytest.mark.parametrize("language, heading, sentence", [
    ("ru", "Страница не найдена", "По этому адресу нет страницы."),
    ("en", "Page not found", "There is no page at this address."),
])
def test_a_wrong_address_is_said_in_the_readers_language(site, language, heading, sentence):
    r = httpx.get(f"{site.url}/no-such-page", params={"lang": language}, headers=HTML)
    assert r.status_code == 404
    assert f"<h1>{heading}</h1>" in r.text and sentence in r.text
    assert f'<html lang="{language}"' in r.text


@pytest.mark.parametrize("language, refusal, button", [
    ("ru", "Этот токен недействителен (или отозван).", "Войти"),
    ("en", "That token is not valid (or was revoked).", "Sign in"),
])
def test_the_sign_in_refusal_is_said_in_the_readers_language(demo_store, language, refusal,
                                                              button):
    with Server(demo_store, auth=True) as server:
        page = httpx.get(f"{server.url}/signin", params={"lang": language}, headers=HTML)
        assert f'<button type="submit">{button}</button>' in page.text
        r = httpx.post(f"{server.url}/signin", data={"token": "not-a-token"},
                       headers={**HTML, "Origin": server.url},
                       cookies={"mailreport_lang": language})
        assert r.status_code == 401
        assert refusal in r.text

"""A small OpenID Connect provider on a loopback port, for the single sign-on tests:
discovery, a JWKS, an authorization endpoint with a login form (a name, no
password: the tests are the people), and a token endpoint that checks the
client's secret, the redirect URI and the PKCE verifier and signs ID tokens with
an RSA key (joserfc). Not a test module: the tests import it.

``tamper`` makes it misbehave the way a broken or hostile provider might: another
nonce, audience or issuer in the ID token, a token already expired, a signature by
a key not in its JWKS, a token endpoint that refuses.
"""

from __future__ import annotations

import base64
import hashlib
import html
import http.server
import json
import secrets
import threading
import time
import urllib.parse
from typing import Any

from authlib.oidc.core.util import create_half_hash
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

CLIENT_ID = "mailreport-test"
CLIENT_SECRET = "s3cret-of-the-test-client"


class OidcProvider:
    """Start with ``with OidcProvider(users) as provider``; ``users`` maps a login
    name to the claims its ID token carries (``sub`` among them)."""

    def __init__(self, users: dict[str, dict[str, Any]]):
        self.users = users
        self.key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        self.other_key = RSAKey.generate_key(2048, parameters={"kid": "test-key-1"})
        self.tamper: dict[str, Any] = {}
        self.authorize_requests: list[dict[str, str]] = []
        self.token_requests: list[dict[str, str]] = []
        self._codes: dict[str, dict[str, Any]] = {}
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                url = urllib.parse.urlsplit(self.path)
                params = dict(urllib.parse.parse_qsl(url.query))
                if url.path == "/.well-known/openid-configuration":
                    self._json(200, outer.discovery())
                elif url.path == "/jwks":
                    self._json(200, KeySet([outer.key]).as_dict(private=False))
                elif url.path == "/authorize":
                    outer.authorize_requests.append(params)
                    self._html(200, outer.login_form(params))
                else:
                    self._json(404, {"error": "not_found"})

            def do_POST(self):
                length = int(self.headers.get("content-length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                path = urllib.parse.urlsplit(self.path).path
                if path == "/authorize":
                    self._redirect(outer.authorized(form))
                elif path == "/token":
                    outer.token_requests.append(form)
                    self._json(*outer.token(form, self.headers.get("authorization", "")))
                else:
                    self._json(404, {"error": "not_found"})

            def _json(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _html(self, status: int, body: str) -> None:
                data = body.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _redirect(self, location: str) -> None:
                self.send_response(302)
                self.send_header("Location", location)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> OidcProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    # -- the endpoints -----------------------------------------------------------

    def discovery(self) -> dict[str, Any]:
        return {"issuer": self.url, "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token", "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic"],
                "code_challenge_methods_supported": ["S256"]}

    def login_form(self, params: dict[str, str]) -> str:
        hidden = "".join(f'<input type="hidden" name="{html.escape(k)}" '
                         f'value="{html.escape(v)}">' for k, v in params.items())
        return ("<!doctype html><title>Test provider</title><h1>Test provider</h1>"
                f'<form method="post" action="/authorize">{hidden}'
                '<label for="username">Username</label>'
                '<input id="username" name="username" autocomplete="off">'
                '<button type="submit" name="decision" value="allow">Log in</button>'
                '<button type="submit" name="decision" value="deny">Cancel</button>'
                "</form>")

    def authorized(self, form: dict[str, str]) -> str:
        """Where the login form sends the browser: back with a code, or an error."""
        back = form["redirect_uri"]
        if form.get("decision") == "deny" or form.get("username") not in self.users:
            query = {"error": "access_denied", "state": form.get("state", "")}
        else:
            code = secrets.token_urlsafe(16)
            self._codes[code] = {**form, "issued": time.time()}
            query = {"code": code, "state": form.get("state", "")}
        return back + ("&" if "?" in back else "?") + urllib.parse.urlencode(query)

    def token(self, form: dict[str, str], authorization: str) -> tuple[int, dict]:
        expected = "Basic " + base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        if authorization != expected:
            return 401, {"error": "invalid_client"}
        if "token_status" in self.tamper:
            return self.tamper["token_status"], {"error": "server_error"}
        asked = self._codes.pop(form.get("code", ""), None)
        if asked is None or asked["redirect_uri"] != form.get("redirect_uri"):
            return 400, {"error": "invalid_grant"}
        challenge = base64.urlsafe_b64encode(hashlib.sha256(
            form.get("code_verifier", "").encode()).digest()).rstrip(b"=").decode()
        if asked.get("code_challenge_method") != "S256" or challenge != asked.get(
                "code_challenge"):
            return 400, {"error": "invalid_grant", "error_description": "PKCE"}
        access_token = secrets.token_urlsafe(24)
        now = int(time.time())
        claims = {"iss": self.url, "aud": CLIENT_ID, "iat": now, "exp": now + 300,
                  "nonce": asked.get("nonce"), "at_hash": create_half_hash(access_token,
                                                                           "RS256").decode(),
                  **self.users[asked["username"]]}
        for claim in ("nonce", "aud", "iss", "exp"):
            if claim in self.tamper:
                claims[claim] = self.tamper[claim]
        key = self.other_key if self.tamper.get("foreign_key") else self.key
        id_token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        return 200, {"access_token": access_token, "token_type": "Bearer",
                     "expires_in": 300, "id_token": id_token}

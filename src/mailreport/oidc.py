"""The relying party of OpenID Connect's authorization code flow: the provider's
discovery document and keys, the request that sends a person to it, the exchange
of the code for tokens and the validation of the ID token (docs/accounts.md).

Authlib does the parts that are easy to get wrong: the PKCE challenge (S256) and
the ID token's claims (CodeIDToken: issuer, audience, azp, expiry, issue time,
nonce, at_hash); joserfc, its JOSE library, checks the signature against the
provider's JWKS, with asymmetric algorithms only (never ``none``, never an HMAC a
client secret could forge). Plain httpx calls the provider, with short timeouts:
a provider that does not answer must not hold a server thread for long. No
FastAPI here: api/oidc_signin.py drives this.
"""

from __future__ import annotations

import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from mailreport.sso import SsoConfig

TIMEOUT = httpx.Timeout(10.0, connect=5.0)
METADATA_SECONDS = 3600  # discovery and keys are read again after an hour
LEEWAY_SECONDS = 60  # clocks of the provider and of this server may differ this much
ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
              "ES512", "EdDSA")


class OidcError(Exception):
    """A sign-in the provider did not complete. ``reason`` is a short key for the
    audit trail and the page; the message says more, for the audit trail only."""
    reason = "oidc error"


class ProviderUnreachable(OidcError):
    reason = "provider unreachable"


class TokenRefused(OidcError):
    reason = "token refused"


class InvalidIdToken(OidcError):
    reason = "invalid id token"


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what to keep until it comes back."""
    url: str
    state: str
    nonce: str
    code_verifier: str


class Provider:
    """One OpenID provider, as the settings name it; its discovery document and keys
    are kept for METADATA_SECONDS (the keys are read again at once for a token signed
    with a key they do not hold: the provider rotated its keys)."""

    def __init__(self, config: SsoConfig, transport: httpx.BaseTransport | None = None):
        self.config = config
        self._transport = transport
        self._lock = threading.Lock()
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._jwks: tuple[float, dict[str, Any]] | None = None

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            with httpx.Client(timeout=TIMEOUT, transport=self._transport) as http:
                response = http.get(url, headers={"accept": "application/json"})
                response.raise_for_status()
                data = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise ProviderUnreachable(f"GET {url}: {exc}") from None
        if not isinstance(data, dict):
            raise ProviderUnreachable(f"GET {url}: not a JSON object")
        return data

    def metadata(self) -> dict[str, Any]:
        """The discovery document; its issuer must be the configured one (OpenID
        Connect Discovery 4.3), or a document served elsewhere could name another."""
        with self._lock:
            if self._metadata and self._metadata[0] > time.time():
                return self._metadata[1]
        data = self._get_json(self.config.issuer + "/.well-known/openid-configuration")
        if str(data.get("issuer", "")).rstrip("/") != self.config.issuer:
            raise ProviderUnreachable(f"the discovery document names issuer "
                                      f"{data.get('issuer')!r}, not {self.config.issuer!r}")
        for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
            if not isinstance(data.get(key), str):
                raise ProviderUnreachable(f"the discovery document has no {key}")
        with self._lock:
            self._metadata = (time.time() + METADATA_SECONDS, data)
        return data

    def key_set(self, force: bool = False) -> KeySet:
        with self._lock:
            cached = self._jwks if not force else None
        if not cached or cached[0] < time.time():
            cached = (time.time() + METADATA_SECONDS,
                      self._get_json(self.metadata()["jwks_uri"]))
            with self._lock:
                self._jwks = cached
        try:
            return KeySet.import_key_set(cached[1])
        except (JoseError, ValueError, KeyError, TypeError) as exc:
            raise ProviderUnreachable(f"the provider's JWKS cannot be read: {exc}") from None

    def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        """The provider's authorization URL with a fresh state, nonce and PKCE (S256)
        challenge."""
        state, nonce, verifier = generate_token(32), generate_token(32), generate_token(64)
        url = add_params_to_uri(self.metadata()["authorization_endpoint"], [
            ("response_type", "code"), ("client_id", self.config.client_id),
            ("redirect_uri", redirect_uri), ("scope", self.config.scopes),
            ("state", state), ("nonce", nonce),
            ("code_challenge", create_s256_code_challenge(verifier)),
            ("code_challenge_method", "S256")])
        return AuthorizationRequest(url, state, nonce, verifier)

    def exchange(self, code: str, redirect_uri: str, code_verifier: str) -> dict[str, Any]:
        """The tokens for an authorization code. With a client secret, the client
        authenticates by HTTP Basic (client_secret_basic, the default of OpenID
        Connect), or in the form when the provider takes only that; without one, as
        a public client, by the PKCE verifier alone."""
        metadata = self.metadata()
        form = {"grant_type": "authorization_code", "code": code,
                "redirect_uri": redirect_uri, "code_verifier": code_verifier}
        auth = None
        secret = self.config.client_secret
        methods = metadata.get("token_endpoint_auth_methods_supported") or [
            "client_secret_basic"]
        if secret and "client_secret_basic" in methods:
            # RFC 6749 2.3.1: each part form-encoded before Basic encodes the pair
            auth = httpx.BasicAuth(urllib.parse.quote_plus(self.config.client_id),
                                   urllib.parse.quote_plus(secret))
        else:
            form["client_id"] = self.config.client_id
            if secret:
                form["client_secret"] = secret
        try:
            with httpx.Client(timeout=TIMEOUT, transport=self._transport) as http:
                response = http.post(metadata["token_endpoint"], data=form, auth=auth,
                                     headers={"accept": "application/json"})
        except httpx.HTTPError as exc:
            raise ProviderUnreachable(f"POST token endpoint: {exc}") from None
        try:
            token = response.json()
        except ValueError:
            token = None
        if response.status_code != 200 or not isinstance(token, dict):
            error = token.get("error") if isinstance(token, dict) else None
            raise TokenRefused(f"the token endpoint answered {response.status_code}"
                               + (f" ({str(error)[:100]})" if error else ""))
        if not isinstance(token.get("id_token"), str):
            raise TokenRefused("the token endpoint sent no ID token")
        return token

    def id_token_claims(self, token: dict[str, Any], nonce: str) -> dict[str, Any]:
        """The ID token's claims, once its signature (the provider's JWKS), issuer,
        audience (this client), azp, expiry, issue time, nonce and at_hash are
        right."""
        metadata = self.metadata()
        offered = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
        algorithms = [a for a in offered if a in ASYMMETRIC]
        if not algorithms:
            raise InvalidIdToken(f"the provider signs with {offered}, none of them "
                                 "asymmetric")
        try:
            try:
                decoded = jwt.decode(token["id_token"], self.key_set(), algorithms=algorithms)
            except InvalidKeyIdError:  # a key the cached set lacks: rotated keys
                decoded = jwt.decode(token["id_token"], self.key_set(force=True),
                                     algorithms=algorithms)
            claims = CodeIDToken(
                decoded.claims, decoded.header,
                {"iss": {"essential": True, "value": metadata["issuer"]},
                 "aud": {"essential": True, "value": self.config.client_id},
                 "sub": {"essential": True}},
                {"nonce": nonce, "client_id": self.config.client_id,
                 "access_token": token.get("access_token")})
            claims.validate(leeway=LEEWAY_SECONDS)
        except (JoseError, ValueError, TypeError) as exc:
            raise InvalidIdToken(f"{type(exc).__name__}: {exc}") from None
        if not isinstance(claims.get("sub"), str) or not claims["sub"]:
            raise InvalidIdToken("the ID token has no subject")
        return dict(claims)

"""The OpenAPI document, told as the server behaves.

FastAPI writes the paths, parameters and models; this adds what it cannot see,
derived from each route's dependencies so that a new route is described the day it
is added: which credentials it takes (a bearer token or the session cookie, or none:
health and the providers' webhooks, which carry their own signatures), and the
``application/problem+json`` errors it can answer (401 and 403 where a token is
checked, 404 where the path names something, 422 where there are parameters, and
whatever its decorator declares with ``problems.problem_responses``)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from mailreport.api.problems import PROBLEM_JSON, REASONS, Problem
from mailreport.api.security import SESSION_COOKIE, current_principal

SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http", "scheme": "bearer",
        "description": "A token from `mailreport token create` (`mr_<id>_<secret>`); its "
                       "role and grants decide what it may read."},
    "sessionCookie": {
        "type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
        "description": "The session that signing in at /signin sets (HttpOnly, "
                       "SameSite=Lax); it stands for the token typed there."},
}
SIGNED_IN: list[dict[str, list[str]]] = [{"bearerToken": []}, {"sessionCookie": []}]

# How the operations that take no token are authenticated (docs/webhooks.md). A
# route without a token check and without an entry here is a test failure.
OWN_AUTHENTICATION = {
    "/health": "Open to anyone: it tells only that the server answers.",
    "/webhooks/sendgrid": "No token: the Signed Event Webhook's ECDSA signature "
                          "(X-Twilio-Email-Event-Webhook-Signature over the "
                          "X-Twilio-Email-Event-Webhook-Timestamp header and the body).",
    "/webhooks/mailgun": "No token: the body's signature object, an HMAC-SHA256 of "
                         "timestamp and token with the webhook signing key, within the "
                         "age limit, each token used once.",
    "/webhooks/ses": "No token: the SNS message signature (versions 1 and 2) by a "
                     "certificate in MAILREPORT_SNS_CERT_DIR, from a topic in "
                     "MAILREPORT_SNS_TOPIC_ARNS.",
    "/webhooks/postmark": "No token: HTTP basic auth with the credentials put in the "
                          "webhook URL.",
    "/webhooks/twilio": "No token: X-Twilio-Signature, an HMAC-SHA1 of the public URL "
                        "and the parameters with the account's auth token.",
}
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
UNAUTHENTICATED_HEADERS = {"WWW-Authenticate": {
    "description": "Bearer: the scheme to authenticate with", "schema": {"type": "string"}}}


def install_openapi(app: FastAPI) -> None:
    """Let ``app.openapi()`` (and GET /openapi.json) serve the described document."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe(generate(), app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def operations(app: FastAPI) -> Iterator[tuple[str, str, Dependant]]:
    """(path, method, dependant) of every route in the document."""
    for route in app.routes:
        # an included router is one entry in app.routes on newer FastAPI versions
        contexts = getattr(route, "effective_route_contexts", None)
        for candidate in contexts() if callable(contexts) else [route]:
            original = getattr(candidate, "original_route", candidate)
            if isinstance(original, APIRoute) and candidate.include_in_schema:
                for method in sorted(candidate.methods):
                    yield candidate.path_format, method.lower(), candidate.dependant


def checks_token(dependant: Dependant) -> bool:
    return any(d.call is current_principal or checks_token(d)
               for d in dependant.dependencies)


def parameter_places(dependant: Dependant) -> set[str]:
    """Where the route and its dependencies take parameters: path, query, body..."""
    places = {place for place in ("path", "query", "header", "cookie", "body")
              if getattr(dependant, f"{place}_params")}
    for sub in dependant.dependencies:
        places |= parameter_places(sub)
    return places


def derived_statuses(dependant: Dependant, authenticated: bool) -> set[int]:
    places = parameter_places(dependant)
    statuses = {401, 403} if authenticated else set()
    if "path" in places:
        statuses.add(404)
    if places:
        statuses.add(422)
    if "body" in places:  # a body that is not JSON at all, over its limit, or stalled
        statuses |= {400, 408, 413}
    if authenticated:  # it reads the store, within the request_seconds budget
        statuses.add(503)
    return statuses


def describe(doc: dict[str, Any], app: FastAPI) -> dict[str, Any]:
    """``doc`` as FastAPI wrote it, with security and problem responses added."""
    auth = app.state.auth_enabled
    for path, method, dependant in operations(app):
        op = doc["paths"][path][method]
        authenticated = auth and checks_token(dependant)
        op["security"] = SIGNED_IN if authenticated else []
        if not authenticated and path in OWN_AUTHENTICATION:
            op["description"] = "\n\n".join(filter(None, [op.get("description"),
                                                          OWN_AUTHENTICATION[path]]))
        responses = op["responses"]
        for status in sorted(derived_statuses(dependant, authenticated)):
            responses.setdefault(str(status), {"description": REASONS[status]})
        if "422" in responses and responses["422"]["description"] == "Validation Error":
            responses["422"]["description"] = REASONS[422]
        for status, response in responses.items():
            if status[0] in "45":  # every error passes through problems.problem
                response["content"] = {PROBLEM_JSON: {"schema": PROBLEM_REF}}
        if authenticated:
            responses["401"]["headers"] = UNAUTHENTICATED_HEADERS
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}",
                                        mode="serialization")
    schemas.update(problem.pop("$defs", {}))
    schemas["Problem"] = problem
    for unused in ("HTTPValidationError", "ValidationError"):  # FastAPI's 422, replaced
        rest = {k: v for k, v in schemas.items() if k != unused}
        if f'"#/components/schemas/{unused}"' not in json.dumps([doc["paths"], rest]):
            schemas.pop(unused, None)
    if auth:
        components["securitySchemes"] = SECURITY_SCHEMES
        doc["security"] = SIGNED_IN
    return doc

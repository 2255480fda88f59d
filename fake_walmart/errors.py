"""The gateway's error envelope (§4.1) and the errors every area shares (§4.2 codes)."""
from __future__ import annotations

from fake_walmart.answers import Answer, json_answer

_GATEWAY_401_INFO = (
    'Unauthorized token or incorrect authorization header. Please verify correct format: '
    '"Authorization: Basic Base64Encode(clientId:clientSecret)" For more information, see '
    "https://developer.walmart.com/#/apicenter/marketPlace/latest#apiAuthentication."
)


def error(status: int, code: str, field_name: str, description: str, info: str, category: str = "DATA",
          severity: str = "ERROR") -> Answer:
    envelope = {"error": [{
        "code": code, "field": field_name, "description": description, "info": info,
        "severity": severity, "category": category, "causes": [], "errorIdentifiers": {},
    }]}
    return json_answer(status, envelope)


def bad_header(name: str, description: str) -> Answer:
    return error(400, "INVALID_REQUEST_HEADER.GMP_GATEWAY_API", name, description, "One or more request headers are invalid.")


def missing_header(name: str) -> Answer:
    return error(400, "MISSING_REQUEST_HEADER.GMP_GATEWAY_API", name,
                 f"{name} set blank or null", "One or more request headers are missing.")


def unauthorized() -> Answer:
    return error(401, "UNAUTHORIZED.GMP_GATEWAY_API", "UNAUTHORIZED", "Unauthorized", _GATEWAY_401_INFO)


def not_acceptable() -> Answer:
    return error(406, "INVALID_ACCEPT_TYPE.GMP_GATEWAY_API", "Accept", "Not Acceptable",
                 "This endpoint answers in application/json (or application/xml for /v3/token).", category="APPLICATION")


def uri_not_found(path: str) -> Answer:
    return error(404, "URI_NOT_FOUND.GMP_GATEWAY_API", "URI_NOT_FOUND", "Not Found", f"No resource exists at {path}.")


def method_not_allowed(path: str, allowed: str) -> Answer:
    answer = error(405, "METHOD_NOT_ALLOWED.GMP_GATEWAY_API", "METHOD_NOT_ALLOWED", "Method Not Allowed",
                   f"{path} only accepts {allowed}.")
    answer.headers["Allow"] = allowed
    return answer

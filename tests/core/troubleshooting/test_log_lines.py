"""Taking the logging off a pasted line, and splitting an excerpt into records."""
import pytest

from core.troubleshooting.log_lines import Record, records, strip_prefix


@pytest.mark.parametrize(
    "line, error",
    [
        ("2026-12-01 10:00:01 ERROR walmart sync failed: 401 Client Error: Unauthorized", "401 Client Error: Unauthorized"),
        ("2026-12-01 10:00:01,123 ERROR [walmart.client] HTTP 503", "HTTP 503"),
        ("[2026-12-01T10:00:01.123Z] [error] walmart.client: Unauthorized token", "Unauthorized token"),
        ("2026-12-01T10:00:01+08:00 WARNING walmart.sync - 429", "429"),
        ("ERROR:root:401 Client Error: Unauthorized", "401 Client Error: Unauthorized"),
        ("ERROR:walmart.sync:unauthorized.gmp_gateway_api", "unauthorized.gmp_gateway_api"),
        ("Dec  1 10:00:01 oms[4242]: ERROR INVALID_REQUEST_HEADER.GMP_GATEWAY_API", "INVALID_REQUEST_HEADER.GMP_GATEWAY_API"),
        ("requests.exceptions.HTTPError: 429 Client Error: Too Many Requests", "429 Client Error: Too Many Requests"),
        ("HTTPError: 429 Client Error...", "429 Client Error..."),
        ("10:00:01.123 CRITICAL urllib3.exceptions.MaxRetryError: Max retries exceeded", "Max retries exceeded"),
        ("2026年12月1日 10:00:01 错误 同步沃尔玛订单失败：401 Client Error", "401 Client Error"),
        # what is the error itself stays
        ("Error 404", "Error 404"),
        ("UNAUTHORIZED.GMP_GATEWAY_API", "UNAUTHORIZED.GMP_GATEWAY_API"),
        ("invalid_client: Bad client credentials", "invalid_client: Bad client credentials"),
        ("ERROR refresh_token: expired", "refresh_token: expired"),
        ('{"error":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API"}]}', '{"error":[{"code":"UNAUTHORIZED.GMP_GATEWAY_API"}]}'),
        ("status code: 401", "status code: 401"),
        ("   503  ", "503"),
    ],
)
def test_the_logging_in_front_of_an_error_is_taken_off(line, error):
    assert strip_prefix(line) == error


def test_an_excerpt_is_one_record_per_line_and_one_per_json_body():
    text = 'INFO start\n\n2026-12-01 ERROR walmart.client: call failed {\n  "error": [\n    {"code": "X"}\n  ]\n}\nINFO done'
    assert records(text) == [
        Record("start", (1,)),
        Record('call failed {\n  "error": [\n    {"code": "X"}\n  ]\n}', (3, 4, 5, 6, 7)),
        Record("done", (8,)),
    ]


def test_an_unclosed_brace_does_not_swallow_the_excerpt():
    lines = ["{ unclosed"] + [f"line {n}" for n in range(300)]
    found = records("\n".join(lines))
    assert len(found[0].lines) == 201 and len(found) == 1 + 100

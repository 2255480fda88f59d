import base64
import json
import random
import string
import uuid

import pytest

from core.stores.prechecks import Finding, FindingCode, PrecheckResult, Severity, precheck

CLIENT_ID = "c7291c6b-7290-4f1e-9a3b-0123456789ab"
# 86 characters of base64url, the shape of the only client secret Walmart documents.
SECRET = "Zq3xT9vLk2Pw8Rm4Hn6Bc1Yd5Fs7Gj0Ka-Ue_Wo2Ei4Ar6Ty8Qp1Xz3Cv5Bn7Ml9Nk0Jh2Gf4Ds6Sa8Pl1Ok3I"
assert len(SECRET) == 86

C = FindingCode


def codes(result: PrecheckResult, field: str | None = None) -> list[FindingCode]:
    return [f.code for f in result.findings if field is None or f.field == field]


def only(result: PrecheckResult, code: FindingCode) -> Finding:
    matches = [f for f in result.findings if f.code == code]
    assert len(matches) == 1, result.findings
    return matches[0]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# --- clean input ---------------------------------------------------------------

@pytest.mark.parametrize("client_id", [CLIENT_ID, CLIENT_ID.upper()])
def test_a_clean_pair_has_no_findings(client_id):
    result = precheck(client_id, SECRET)
    assert result.findings == []
    assert result.ok
    assert (result.client_id, result.client_secret) == (client_id, SECRET)


def test_random_real_looking_keys_raise_no_false_alarms():
    rng = random.Random(20260101)
    alphabet = string.ascii_letters + string.digits + "-_"
    for _ in range(300):
        client_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        secret = "".join(rng.choice(alphabet) for _ in range(86))
        assert precheck(client_id, secret).findings == [], (client_id, secret)


# --- empty and whitespace --------------------------------------------------------

@pytest.mark.parametrize("value", [None, "", "   ", "\t\r\n"])
def test_empty_values(value):
    result = precheck(value, value)
    assert [(f.code, f.severity, f.field, f.position) for f in result.findings] == [
        (C.empty_value, Severity.error, "client_id", None),
        (C.empty_value, Severity.error, "client_secret", None),
    ]
    assert not result.ok
    assert (result.client_id, result.client_secret) == ("", "")


def test_surrounding_whitespace_is_trimmed_with_a_warning():
    result = precheck(f"  {CLIENT_ID}\t", f"{SECRET}\r\n")
    assert result.ok
    assert (result.client_id, result.client_secret) == (CLIENT_ID, SECRET)
    assert [(f.code, f.severity, f.field, f.position) for f in result.findings] == [
        (C.surrounding_whitespace, Severity.warning, "client_id", 1),
        (C.surrounding_whitespace, Severity.warning, "client_secret", len(SECRET) + 1),
    ]
    assert result.findings[0].message == "The Client ID had 2 spaces and a tab at the start and end. They were removed automatically."
    assert "a line break at the end" in result.findings[1].message


def test_unusual_spaces_at_the_edges_are_not_trimmed_silently():
    result = precheck("\u00a0" + CLIENT_ID, SECRET + "\u3000")
    assert (result.client_id, result.client_secret) == ("\u00a0" + CLIENT_ID, SECRET + "\u3000")
    assert [(f.code, f.field, f.position) for f in result.findings] == [
        (C.invisible_character, "client_id", 1),
        (C.invisible_character, "client_secret", len(SECRET) + 1),
    ]
    assert "U+00A0" in result.findings[0].message and "no-break space" in result.findings[0].message


# --- invisible characters --------------------------------------------------------

def test_zero_width_space_is_reported_at_its_position_in_the_pasted_value():
    pasted = "  " + SECRET[:20] + "\u200b" + SECRET[20:]
    result = precheck(CLIENT_ID, pasted)
    finding = only(result, C.invisible_character)
    assert (finding.severity, finding.field, finding.position) == (Severity.error, "client_secret", 23)
    assert "zero-width space (U+200B)" in finding.message
    assert "23" in finding.message and "23" in finding.fix
    assert codes(result) == [C.surrounding_whitespace, C.invisible_character]


def test_byte_order_mark_at_the_start():
    result = precheck("\ufeff" + CLIENT_ID, SECRET)
    finding = only(result, C.invisible_character)
    assert (finding.field, finding.position) == ("client_id", 1)
    assert "U+FEFF" in finding.message and "byte order mark" in finding.message
    assert C.client_id_not_uuid not in codes(result)  # the BOM already explains the odd shape


@pytest.mark.parametrize("char", ["\u200c", "\u200d", "\u2060", "\u00ad", "\u202f", "\u200e", "\u202e", "\u2066", "\x00", "\u2028"])
def test_other_invisible_characters(char):
    finding = only(precheck(CLIENT_ID, SECRET[:5] + char + SECRET[5:]), C.invisible_character)
    assert (finding.field, finding.position) == ("client_secret", 6)
    assert f"U+{ord(char):04X}" in finding.message


def test_many_invisible_characters_are_capped_with_a_summary():
    pasted = "\u200b".join(SECRET[:9])  # 8 zero-width spaces at positions 2, 4, ... 16
    found = [f for f in precheck(CLIENT_ID, pasted).findings if f.code == C.invisible_character]
    assert [f.position for f in found] == [2, 4, 6, 8, 10, 12]
    assert "3 more" in found[-1].message


# --- lookalike characters ---------------------------------------------------------

def test_cyrillic_a_inside_a_uuid():
    pasted = CLIENT_ID.replace("9a3b", "9\u0430" + "3b")
    position = pasted.index("\u0430") + 1
    result = precheck(pasted, SECRET)
    finding = only(result, C.lookalike_character)
    assert (finding.severity, finding.field, finding.position) == (Severity.error, "client_id", position)
    assert "U+0430" in finding.message and 'looks like "a"' in finding.message
    assert codes(result) == [C.lookalike_character]  # no extra "not a UUID" warning


@pytest.mark.parametrize(("char", "looks"), [
    ("\u2019", "'"), ("\u201c", '"'), ("\u2013", "-"), ("\u2014", "-"), ("\u2212", "-"),
    ("\uff11", "1"), ("\uff41", "a"), ("\u03bf", "o"), ("\u0420", "P"), ("\u00e9", "e"),
])
def test_lookalikes_name_what_they_resemble(char, looks):
    finding = only(precheck(CLIENT_ID, "ab" + char + "cd"), C.lookalike_character)
    assert (finding.field, finding.position) == ("client_secret", 3)
    assert f'looks like "{looks}"' in finding.message
    assert f"U+{ord(char):04X}" in finding.message


def test_en_dash_in_a_client_id():
    pasted = CLIENT_ID.replace("-", "\u2013", 1)
    result = precheck(pasted, SECRET)
    assert [(f.code, f.position) for f in result.findings] == [(C.lookalike_character, 9)]


# --- spaces and line breaks inside ------------------------------------------------

def test_inner_whitespace():
    result = precheck(CLIENT_ID, SECRET[:10] + " " + SECRET[10:])
    finding = only(result, C.inner_whitespace)
    assert (finding.severity, finding.field, finding.position) == (Severity.error, "client_secret", 11)


def test_multiline_value():
    result = precheck(" " + CLIENT_ID[:8] + "\r\n" + CLIENT_ID[8:], SECRET)
    finding = only(result, C.multiline_value)
    assert (finding.severity, finding.field, finding.position) == (Severity.error, "client_id", 10)
    assert "2 lines" in finding.message


# --- whole value is the wrong thing ---------------------------------------------------

PEM = (
    "-----BEGIN PRIVATE KEY-----\n"
    + "\n".join("MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC" + str(i) * 13 for i in range(10))
    + "\n-----END PRIVATE KEY-----\n"
)


def test_pem_private_key_in_the_secret():
    result = precheck(CLIENT_ID, PEM)
    assert [(f.code, f.severity, f.field) for f in result.findings] == [
        (C.legacy_private_key, Severity.error, "client_secret"),
    ]
    fix = result.findings[0].fix
    assert "Add New Key For A Solution Provider" in fix and "API Keys" in fix
    assert "Consumer ID" in result.findings[0].message


def test_bare_base64_private_key_in_the_secret():
    blob = base64.b64encode(bytes(range(256)) * 3).decode()  # ~1,000 characters, no PEM lines
    assert codes(precheck(CLIENT_ID, blob)) == [C.legacy_private_key]


def test_basic_header_holding_id_and_secret():
    result = precheck(CLIENT_ID, "Basic " + b64(f"{CLIENT_ID}:{SECRET}"))
    finding = only(result, C.basic_auth_header)
    assert (finding.severity, finding.field) == (Severity.error, "client_secret")
    assert "colon" in finding.message
    assert "separately" in finding.fix
    assert codes(result) == [C.basic_auth_header]


@pytest.mark.parametrize("value", ["Authorization: Basic " + b64("a:b"), "basic " + b64("a:b"), "Authorization: Bearer abc"])
def test_other_header_forms(value):
    result = precheck(value, SECRET)
    assert codes(result) == [C.basic_auth_header]
    assert only(result, C.basic_auth_header).field == "client_id"


@pytest.mark.parametrize("pair", [f"{CLIENT_ID}:{SECRET}", f"{CLIENT_ID}:{SECRET}\n", "myapp:s3cret!"])
def test_base64_of_id_and_secret(pair):
    result = precheck(b64(pair), SECRET)
    finding = only(result, C.base64_credentials)
    assert (finding.severity, finding.field) == (Severity.error, "client_id")
    assert codes(result) == [C.base64_credentials]


def test_url_safe_base64_without_padding_of_id_and_secret():
    encoded = base64.urlsafe_b64encode(f"{CLIENT_ID}:{SECRET}".encode()).decode().rstrip("=")
    assert codes(precheck(CLIENT_ID, encoded)) == [C.base64_credentials]


@pytest.mark.parametrize("value", [
    "••••••••", "****", "********abcd", "abcd••••••••", "●●●●●●", "· · · ·", "○○○○",
    "xxxxxxxx", "XXXX-XXXX", "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx", "xxxxxxxxxxxx1234",
])
def test_masked_placeholder(value):
    result = precheck(CLIENT_ID, value)
    finding = only(result, C.masked_placeholder)
    assert (finding.severity, finding.field) == (Severity.error, "client_secret")
    assert "F12" in finding.fix and "Show" in finding.fix
    assert codes(result) == [C.masked_placeholder]  # no lookalike noise for the dots


# --- client id rules ----------------------------------------------------------------

def test_colon_in_client_id():
    result = precheck("abc:def", SECRET)
    finding = only(result, C.colon_in_client_id)
    assert (finding.severity, finding.field, finding.position) == (Severity.error, "client_id", 4)


def test_client_id_not_uuid_is_only_a_warning():
    result = precheck("my-store-client-id", SECRET)
    finding = only(result, C.client_id_not_uuid)
    assert (finding.severity, finding.field, finding.position) == (Severity.warning, "client_id", None)
    assert result.ok


@pytest.mark.parametrize("client_id", ["", "••••", "Basic " + b64("a:b"), b64("a:b"), "ab\u200bc", "ab\u0441"])
def test_client_id_not_uuid_stays_quiet_when_a_stronger_finding_explains_it(client_id):
    assert C.client_id_not_uuid not in codes(precheck(client_id, SECRET))


# --- both fields ------------------------------------------------------------------

@pytest.mark.parametrize("value", [CLIENT_ID, SECRET])
def test_identical_values(value):
    result = precheck(value, " " + value)
    finding = only(result, C.identical_values)
    assert (finding.severity, finding.field) == (Severity.error, "both")
    assert "ZiNiao" in finding.fix and "F12" in finding.fix
    assert C.client_id_not_uuid not in codes(result) and C.values_swapped not in codes(result)


def test_identical_masks_report_the_mask_only():
    assert codes(precheck("****", "****")) == [C.masked_placeholder, C.masked_placeholder]


def test_swapped_values():
    result = precheck(SECRET, CLIENT_ID)
    assert [(f.code, f.severity, f.field) for f in result.findings] == [
        (C.values_swapped, Severity.warning, "both"),
    ]
    assert result.ok


# --- result shape -----------------------------------------------------------------

def test_findings_are_sorted_by_field_then_position():
    result = precheck("a b\u200b:" + "\u0430", " x y\n\u2013" + CLIENT_ID)
    order = {"client_id": 0, "client_secret": 1, "both": 2}
    keys = [(order[f.field], f.position or 0) for f in result.findings]
    assert keys == sorted(keys)
    assert {f.field for f in result.findings} == {"client_id", "client_secret"}
    swapped = precheck("my id", CLIENT_ID)
    assert [(f.code, f.position) for f in swapped.findings] == [(C.inner_whitespace, 3), (C.values_swapped, None)]


def test_to_dict_is_json_serialisable():
    result = precheck("\ufeff" + CLIENT_ID, SECRET + " ")
    dumped = json.loads(json.dumps([f.to_dict() for f in result.findings]))
    assert dumped[0] == {
        "code": "invisible_character", "severity": "error", "field": "client_id",
        "message": result.findings[0].message, "fix": result.findings[0].fix, "position": 1,
    }


LEAKY_SECRETS = [
    SECRET + " ",
    SECRET[:30] + " " + SECRET[30:],
    SECRET[:30] + "\n" + SECRET[30:],
    SECRET[:30] + "\u200b\u0430\u2013" + SECRET[30:],
    "Basic " + b64(f"{CLIENT_ID}:{SECRET}"),
    b64(f"{CLIENT_ID}:{SECRET}"),
    "********" + SECRET[-4:],
    PEM,
    CLIENT_ID,  # identical values
]


@pytest.mark.parametrize("secret", LEAKY_SECRETS)
def test_no_message_or_fix_contains_the_secret(secret):
    result = precheck(CLIENT_ID, secret)
    assert result.findings
    for finding in result.findings:
        for text in (finding.message, finding.fix):
            for needle in {secret, secret.strip(), SECRET, SECRET[:20], SECRET[-20:], CLIENT_ID}:
                assert needle not in text, (finding.code, text)


ODD = [
    "", " ", "\n", ":", "=", "==", "-", "*", "x", "Basic", "Basic ", "basic\t", "Authorization:", "-----BEGIN",
    "-----BEGIN PRIVATE KEY-----", "\ud800", "\udfff", "\x00", "\x7f", "\u0085", "\u2028", "\ufeff", "\u200b",
    "\u0301", "\ufe0f", "\U0001f600", "\U000e0041", "\uffff", "a", "é", "ﬁ", "•", "\u3000", "YQ==", "YTpi", "Og==",
]


def test_precheck_never_raises_and_positions_stay_in_range():
    rng = random.Random(7)
    pool = ODD + [CLIENT_ID, SECRET, b64("a:b")]
    pairs = [(a, b) for a in ODD[:12] for b in ODD]
    for _ in range(3000):
        pairs.append(tuple("".join(rng.choice(pool) for _ in range(rng.randint(0, 4))) for _ in range(2)))
    pairs += [(None, None), (None, SECRET), (CLIENT_ID, None), ("x" * 5000, " " * 5000)]
    for client_id, secret in pairs:
        result = precheck(client_id, secret)
        assert isinstance(result, PrecheckResult)
        assert result.ok == (not result.errors)
        raw = {"client_id": client_id or "", "client_secret": secret or ""}
        for finding in result.findings:
            assert finding.field in ("client_id", "client_secret", "both")
            assert finding.message and finding.fix
            if finding.position is not None:
                assert 1 <= finding.position <= len(raw[finding.field]), (client_id, secret, finding)
            json.dumps(finding.to_dict())

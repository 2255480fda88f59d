"""Explain a pasted error: Walmart JSON bodies, codes, HTTP statuses, OAuth strings, header names, log lines.

What each error means comes from Walmart's error tables (shared/reference/walmart-api.md
§4 and §8) and its OAuth flow (§6.4); which answer to read next comes from the FAQ file.
Walmart's bodies for a refused authorization code or refresh token are not documented,
so those are also recognised from their wording, whatever code carries them. Unknown text
still gets the closest FAQ answers, never a dead end. Nothing pasted is echoed back: only
names recognised from the tables below appear in an Explanation.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from http import HTTPStatus

from core.authorization.outcome import STATUS_TEXT, Status
from core.troubleshooting.faq import Faq, FaqEntry, code_key, load_faq
from core.troubleshooting.search import search
from core.walmart.client import ErrorItem, parse_error_body


@dataclass(frozen=True)
class Cause:
    text: str
    faq_id: str | None = None


@dataclass(frozen=True)
class Meaning:
    title: str
    meaning: str
    causes: tuple[Cause, ...]  # most likely first
    steps: tuple[str, ...]
    first: tuple[str, ...] = ()  # FAQ answers to read before those of the causes
    also: tuple[str, ...] = ()  # and after them


@dataclass(frozen=True)
class Explanation:
    recognized: bool
    title: str
    meaning: str
    causes: tuple[Cause, ...]
    steps: tuple[str, ...]
    faq: tuple[FaqEntry, ...]
    found: tuple[str, ...]  # what was recognised, e.g. "HTTP 401", "Walmart code UNAUTHORIZED.GMP_GATEWAY_API"
    http_status: int | None = None
    code: str | None = None
    field: str | None = None

    def to_dict(self) -> dict:
        return {
            "recognized": self.recognized,
            "title": self.title,
            "meaning": self.meaning,
            "causes": [{"text": c.text, "faq_id": c.faq_id} for c in self.causes],
            "steps": list(self.steps),
            "faq": [{"id": e.id, "question": e.question} for e in self.faq],
            "found": list(self.found),
            "http_status": self.http_status,
            "code": self.code,
            "field": self.field,
        }


def _m(title, meaning, causes, steps, first=(), also=()) -> Meaning:
    return Meaning(title, meaning, tuple(Cause(*c) for c in causes), tuple(steps), tuple(first), tuple(also))


_DIAGNOSE = "Run a diagnosis of the keys on the Troubleshooting page (choose Not sure if you do not know the environment)."
_FORWARD = "If the error comes from this dashboard, report it with the correlation IDs to whoever maintains Store Connect; if it comes from another tool, forward it to that tool's maintainer."

# --- What each error means ----------------------------------------------------------------------

REJECTED = _m(
    "Walmart refused the keys",
    "Walmart's token service did not accept the Client ID and Client Secret, or a later call carried a token "
    "Walmart no longer accepts. The keys are the problem, not the network.",
    [("Sandbox keys were used for production, or production keys for the sandbox.", "production-vs-sandbox"),
     ("A value was copied wrongly: extra spaces, hidden characters, or the masked secret instead of the real one.", "copied-text-wrong"),
     ("Someone with access to the seller's account reset or revoked the key.", "keys-reset-by-colleague"),
     ("The old Consumer ID and Private Key were used instead of a Client ID and Client Secret.", "legacy-consumer-id"),
     ("On a call after sign-in: the 15-minute access token had expired.", "access-token-expired")],
    [_DIAGNOSE,
     "Copy the Client ID and Client Secret again from the Walmart Developer Portal through a plain-text editor and paste them again.",
     "Ask the team whether anyone reset the key; if so, use the new secret.",
     "Still refused: reset the key in the Developer Portal, or create a new key with every permission, and paste the new pair."],
    first=["keys-rejected"], also=["reset-key-and-retry", "new-key-all-permissions"],
)
# Also for invalid_client: the same refusal, but when connecting or refreshing a store through the app,
# the keys Walmart checks are the app's own (walmart-api.md §6.4).
INVALID_CLIENT = _m(
    REJECTED.title,
    "Walmart's token service did not accept the Client ID and Client Secret it was given. For a store on keys, those "
    "are the store's keys; when connecting a store or refreshing its connection through the app (Connect with Walmart), "
    "they are the app's own Client ID and Client Secret.",
    [*((c.text, c.faq_id) for c in REJECTED.causes[:4]),
     ("While connecting or refreshing a store through the app: the app's Client ID (WALMART_OAUTH_CLIENT_ID) or its "
      "saved Client Secret is wrong, or the secret was reset in the Solution Provider Center.", "oauth-app-setup")],
    [*REJECTED.steps[:2],
     "If it happened while connecting a store or refreshing its connection, check the app settings on the Connect with "
     "Walmart page and save the app's current Client Secret again."],
    first=["keys-rejected"], also=["oauth-app-setup", "reset-key-and-retry"],
)
_RECONNECT = "Open the Connect with Walmart page, press Connect for the store, and have the seller log in at Walmart and approve the app again."
_CONNECT_AGAIN = "Press Connect again on the Connect with Walmart page and finish promptly: the link and Walmart's code work once and only for a short time."
OAUTH_GRANT = _m(
    "Walmart refused the authorization grant",
    "The token service rejected what the app offered for a token: the one-time authorization code from connecting a "
    "store, or the store's refresh token. It is no longer valid; new keys do not help.",
    [("The store's refresh token stopped working: the seller disconnected the app, or its 365 days ran out.", "reconnect-store"),
     ("An authorization code was used twice or too late while connecting a store.", "connect-link-problems"),
     ("The redirect URI sent with the code is not the one the connect started with.", "oauth-app-setup"),
     ("With a Client ID and Client Secret instead of the app: the keys were refused.", "keys-rejected")],
    ["If a store says Re-connect this store: " + _RECONNECT[0].lower() + _RECONNECT[1:],
     "If it happened while connecting a store: " + _CONNECT_AGAIN[0].lower() + _CONNECT_AGAIN[1:]],
    first=["reconnect-store"], also=["connect-link-problems"],
)
REFRESH_REFUSED = _m(
    "Walmart refused the store's refresh token: re-connect the store",
    "The store is connected through the app, and Walmart no longer accepts its refresh token, so no access token can "
    "be had for it. The seller has to approve the app again; new keys do not help.",
    [("The seller disconnected the app or withdrew its approval at Walmart.", "reconnect-store"),
     ("The refresh token's 365 days ran out.", "reconnect-store"),
     ("The call named another seller in WM_PARTNER.ID than the one the token belongs to.", "oauth-app-setup"),
     ("If Walmart answered invalid_client or 401: the app's Client ID or Client Secret was refused, not the store.", "oauth-app-setup")],
    [_RECONNECT, "Press Check now on the store afterwards: it should say Authorized again.",
     "To avoid the yearly expiry, connect the store again when the dashboard warns that its refresh token is running out."],
    first=["reconnect-store"], also=["move-to-oauth"],
)
CODE_REFUSED = _m(
    "Walmart did not accept the authorization code",
    "After the seller approves, Walmart sends back a one-time code that the dashboard trades for the store's tokens. "
    "Codes are short-lived and work once, so Walmart refuses one that was already used, came too late, or was sent "
    "with different details than the connect started with.",
    [("The code was used already: the page was reloaded or the same address pasted twice.", "connect-link-problems"),
     ("Too much time passed between the seller's approval and finishing the connect.", "connect-link-problems"),
     ("The redirect URI differs from the one the connect started with, or from the app's registration.", "oauth-app-setup"),
     ("The app's Client ID or Client Secret was refused (invalid_client or 401).", "oauth-app-setup")],
    [_CONNECT_AGAIN, "If it fails again the same way, check the app settings on the Connect with Walmart page."],
    first=["connect-link-problems"], also=["oauth-redirect-paste"],
)
REDIRECT_MISMATCH = _m(
    "The redirect URI does not match the app's registration",
    "Walmart sends the seller back only to the redirect URI registered for our app, and the code exchange must repeat "
    "that same URI. WALMART_OAUTH_REDIRECT_URI must equal it exactly: a trailing slash, http instead of https or "
    "another port makes it a different address.",
    [("WALMART_OAUTH_REDIRECT_URI differs from the redirect URI registered for the app.", "oauth-app-setup"),
     ("The setting was changed between starting the connect and finishing it.", "connect-link-problems")],
    ["Compare WALMART_OAUTH_REDIRECT_URI, character for character, with the redirect URI in the app's registration in the Solution Provider Center.",
     "Correct the setting (or the registration), restart the dashboard, then press Connect again."],
    first=["oauth-app-setup"], also=["oauth-redirect-paste"],
)
PARTNER_ID = _m(
    "WM_PARTNER.ID: the seller ID header",
    "Trading an authorization code for tokens and refreshing a store's connection must name the store's Walmart seller "
    "in the WM_PARTNER.ID header: the sellerId Walmart sent back when the seller approved. Without it, or with "
    "another seller's ID, the call cannot succeed.",
    [("The calling tool does not send WM_PARTNER.ID on the token call.", "oauth-app-setup"),
     ("The seller ID recorded for the store is not the seller who approved the app.", "reconnect-store")],
    ["If the store was connected here, press Connect for it again on the Connect with Walmart page so the seller ID is taken fresh from Walmart's answer.",
     _FORWARD],
    first=["oauth-app-setup"],
)
UNAUTHORIZED_CLIENT = _m(
    "Walmart does not allow this Client ID this kind of sign-in",
    "The Client ID is known, but Walmart does not let it use the kind of token request it made. Connecting a store "
    "(authorization code and refresh token) works only for a registered app, and only in the US marketplace; a "
    "seller's key or a delegated key uses the Client ID and Client Secret sign-in instead.",
    [("WALMART_OAUTH_CLIENT_ID is a seller's key or a delegated key, not our app's Client ID.", "oauth-app-setup"),
     ("The market is not the US: this sign-in exists only in the US marketplace.", "oauth-app-setup"),
     ("With a store's own keys: Walmart refused them.", "keys-rejected")],
    ["Check on the Connect with Walmart page (App settings) that the Client ID shown is the app's, from the Solution Provider Center.",
     "For a store on keys, " + _DIAGNOSE[0].lower() + _DIAGNOSE[1:]],
    first=["oauth-app-setup"],
)
ACCESS_DENIED = _m(
    "The seller did not approve the app",
    "Walmart sent the browser back with access_denied instead of a code: the approval at Walmart was cancelled or "
    "refused, so the store was not connected. Nothing is wrong with the dashboard.",
    [("The seller cancelled or declined on Walmart's approval page.", "connect-link-problems")],
    ["Explain to the seller what the app is for, then press Connect again and have the seller approve it while logged in with the seller account."],
    first=["connect-link-problems"], also=["move-to-oauth"],
)
CONNECT_LINK = _m(
    "The Connect link was refused by the dashboard",
    "Each Connect link is made for one store and one dashboard user, works once and only for a short time "
    "(OAUTH_STATE_MINUTES, 15 minutes by default). A link that is expired, already used, not made by this dashboard, "
    "or finished by someone other than the person who started it is refused, so the store was not connected.",
    [("The link expired or was already used.", "connect-link-problems"),
     ("The link came from elsewhere: an old link, a bookmark or another tool.", "connect-link-problems"),
     ("A colleague started the connect and someone else finished it.", "connect-link-problems")],
    [_CONNECT_AGAIN, "The person who pressed Connect must also finish it, or paste the returning address."],
    first=["connect-link-problems"], also=["oauth-redirect-paste"],
)
REDIRECT_INCOMPLETE = _m(
    "The pasted address is incomplete",
    "To finish a connect, the address Walmart sent the browser to must contain code, state and sellerId. Without them "
    "the dashboard cannot tell which connect it belongs to or trade the code for tokens.",
    [("Only part of the address was copied, or the address of another page was pasted.", "oauth-redirect-paste")],
    ["Copy the complete address from the browser's address bar right after the seller approved (even if the page shows an error) and paste it again.",
     _CONNECT_AGAIN],
    first=["oauth-redirect-paste"], also=["connect-link-problems"],
)
FORBIDDEN = _m(
    "The key lacks a permission",
    "Walmart accepted the token, but this key is not allowed to use that part of the API.",
    [("The seller did not enable the permission for this key (for example orders or items).", "permissions-not-enabled"),
     ("The permission is view only, but the call changes data.", "permissions-not-enabled"),
     ("The key belongs to another country's marketplace.", "other-market-keys")],
    ["Check the store on the Store authorization page: the permissions table shows what is missing.",
     "Ask the seller to enable the missing permissions on the key in the Developer Portal (all of them is simplest), then check again."],
    also=["new-key-all-permissions"],
)
RATE_LIMITED = _m(
    "Too many requests: Walmart is limiting calls",
    "The allowance of calls for this seller is used up for now. Walmart answers 429 until it refills; the keys are fine.",
    [("Several tools call Walmart with the same seller's keys at the same time.", "rate-limited"),
     ("Checks or imports were repeated many times in a short while.", "rate-limited")],
    ["Wait until the replenish time Walmart gives (the check shows it), then try once.",
     "If it happens often, find out which tools share this seller's keys and how often they call."],
)
SERVER_ERROR = _m(
    "Walmart had an internal error",
    "Walmart's own system failed while handling the call. It is not caused by the keys and usually passes.",
    [("A temporary fault on Walmart's side.", "walmart-unavailable"),
     ("An outage Walmart is working on.", "walmart-unavailable")],
    ["Wait a few minutes and try again.", "If it lasts, report it to Walmart with the correlation ID of the call."],
    also=["correlation-id-support-ticket"],
)
UNAVAILABLE = _m(
    "Walmart is unavailable",
    "Walmart's gateway could not be reached or could not pass the call on; often there is no JSON body at all. "
    "It is not caused by the keys.",
    [("A temporary outage or overload at Walmart.", "walmart-unavailable"),
     ("The network between us and Walmart (proxy, firewall) dropped the call.", "walmart-unavailable")],
    ["Wait a few minutes and try again.",
     "If only this dashboard is affected, ask IT to check the network and the Walmart address settings."],
)
DOWNSTREAM_TIMEOUT = _m(
    "A Walmart system behind the gateway did not answer in time",
    "The gateway was reached, but the Walmart service behind it timed out. It is not caused by the keys.",
    [("Walmart is slow or partly down.", "walmart-unavailable"),
     ("The request asked for a lot of data at once.", "walmart-unavailable")],
    ["Wait a few minutes and try again.", "If it keeps happening for the same call, report it to Walmart with the correlation ID."],
    also=["correlation-id-support-ticket"],
)
NETWORK = _m(
    "Walmart could not be reached",
    "No answer came back from Walmart: the connection failed, timed out or the secure connection could not be set up.",
    [("Walmart is temporarily down or slow.", "walmart-unavailable"),
     ("A network, proxy or firewall problem on our side.", "walmart-unavailable"),
     ("A wrong Walmart address in the settings.", "wrong-web-address")],
    ["Try again in a few minutes.", "If it persists, ask IT to check the network, proxy and firewall, and the Walmart address settings."],
)
BAD_HEADER = _m(
    "A request header is missing or invalid",
    "Walmart could not accept one of the headers the calling tool sent. That is a fault in the tool's request, "
    "not in the keys, unless the header named is Authorization.",
    [("The correlation ID (WM_QOS.CORRELATION_ID) was blank or missing.", "request-header-problem"),
     ("The service name (WM_SVC.NAME) or the access token (WM_SEC.ACCESS_TOKEN) was missing.", "request-header-problem"),
     ("Keys of another country's marketplace without its extra headers.", "other-market-keys")],
    ["Note the field Walmart names in the error.", _FORWARD],
)
CORRELATION_ID = _m(
    "WM_QOS.CORRELATION_ID: the call's tracking ID",
    "Every call to Walmart must carry a fresh unique ID in the WM_QOS.CORRELATION_ID header. An error naming it means "
    "the calling tool sent it blank or not at all: a fault in that tool, not in the keys. The same ID is what Walmart support asks for.",
    [("The calling tool does not set a new correlation ID on every call.", "request-header-problem")],
    [_FORWARD, "To report any other problem to Walmart, include the correlation IDs of the calls."],
    also=["correlation-id-support-ticket"],
)
SERVICE_NAME = _m(
    "WM_SVC.NAME: the service name header",
    "Walmart expects every call to name the calling service in the WM_SVC.NAME header. An error naming it means the "
    "calling tool left it out: a fault in that tool, not in the keys.",
    [("The calling tool does not send the WM_SVC.NAME header.", "request-header-problem")],
    [_FORWARD],
)
ACCESS_TOKEN = _m(
    "WM_SEC.ACCESS_TOKEN: the access token header",
    "After signing in, every call must carry the access token in the WM_SEC.ACCESS_TOKEN header (not as "
    "\"Authorization: Bearer\"). Tokens last 15 minutes.",
    [("The token expired and the tool did not fetch a new one.", "access-token-expired"),
     ("The tool sent the token in the wrong header or not at all.", "request-header-problem"),
     ("The key was reset, so its tokens stopped working.", "keys-reset-by-colleague")],
    ["Check the store here: a fresh check fetches a new token.", _FORWARD],
)
OTHER_MARKET = _m(
    "A header for another country's marketplace",
    "WM_CONSUMER.CHANNEL.TYPE and WM_MARKET matter for Walmart Canada, Mexico and Chile. An error about them usually "
    "means the keys belong to a marketplace outside the US.",
    [("The seller account and its keys are for Canada, Mexico or Chile.", "other-market-keys")],
    ["Check which country the seller account belongs to.", "For a US store, use the US account's keys; for other countries ask whoever maintains Store Connect."],
)
LEGACY = _m(
    "The old signature sign-in (Consumer ID and Private Key)",
    "WM_SEC.AUTH_SIGNATURE, WM_SEC.TIMESTAMP and WM_CONSUMER.ID belong to Walmart's retired signature method. "
    "Walmart refuses calls that still use it; a Client ID and Client Secret with an access token are needed instead.",
    [("The calling tool still signs calls with the Consumer ID and Private Key.", "legacy-consumer-id"),
     ("The Consumer ID or Private Key was pasted where the Client ID or Client Secret belongs.", "legacy-consumer-id")],
    ["Get the Client ID and Client Secret from the API Keys page of the Walmart Developer Portal.",
     "Remove the old signature headers from the calling tool and send the access token instead."],
)
TOKEN_EXPIRED = _m(
    "The access token is expired or invalid",
    "Access tokens last 15 minutes. After that, or after the key is reset, Walmart refuses calls made with the token.",
    [("The tool kept using a token older than 15 minutes.", "access-token-expired"),
     ("The key was reset or revoked, so its tokens stopped working.", "keys-reset-by-colleague")],
    ["Check the store here: a fresh check fetches a new token and shows whether the keys still work.", _FORWARD],
)
BAD_REQUEST = _m(
    "Walmart could not accept the request",
    "The calling tool sent something Walmart cannot take: a wrong parameter, body, method or content type. "
    "This is about the request, not about the keys or permissions.",
    [("The calling tool built the request wrongly.", "request-not-accepted"),
     ("A required header was missing.", "request-header-problem"),
     ("On the token call, an invalid Authorization header: Walmart refused the keys.", "keys-rejected")],
    ["Note the error code, the field and the correlation ID.", _FORWARD],
)
ADDRESS_NOT_FOUND = _m(
    "Walmart does not know this address",
    "The path called does not exist on Walmart's gateway. The keys were not tested at all.",
    [("The Walmart address in the settings is wrong.", "wrong-web-address"),
     ("The calling tool uses a misspelled path.", "wrong-web-address")],
    ["Check the Walmart address settings (WALMART_API_BASE_URL, WALMART_SANDBOX_API_BASE_URL).", _FORWARD],
)
PATH_TYPO = _m(
    "Misspelled address: /v3/token/details",
    "The token detail address is /v3/token/detail, without an s. A tool calling /v3/token/details gets 404 Not Found "
    "whatever the keys are.",
    [("The calling tool has the path misspelled.", "wrong-web-address")],
    ["Correct the path in the calling tool to /v3/token/detail.", _FORWARD],
)
NOTHING_FOUND = _m(
    "Walmart found nothing matching the request",
    "This is not an authorization problem: the call worked, but no item (or only part of the items) matched.",
    [("The listing's SKU on Walmart is empty or different from the one asked for.", "mapping-listing-sku"),
     ("The store has no items yet, or the filter matched none.", "mapping-listing-sku")],
    ["Check the item's SKU in Walmart Seller Center.", "Refresh the store's Walmart items and map what is missing."],
)
SUCCESS = _m(
    "This status means success",
    "A 2xx status is Walmart saying the call worked. If something still looks wrong, the cause is elsewhere.",
    [("The data is there but not mapped, or the store is a sandbox store.", "authorized-but-no-data")],
    [_DIAGNOSE, "If the keys pass, look at the store's product mappings."],
)
REDIRECT = _m(
    "Walmart redirected the call",
    "Walmart's API does not normally redirect; a redirect usually means the address called is not the API address.",
    [("The Walmart address in the settings points to a web page instead of the API.", "wrong-web-address")],
    ["Check the Walmart address settings (WALMART_API_BASE_URL, WALMART_SANDBOX_API_BASE_URL)."],
)

_NOTES = {  # a sentence added for codes that share a meaning but have their own fix
    "METHOD_NOT_ALLOWED": "The token call must be a POST and the token detail call a GET.",
    "INVALID_ACCEPT_TYPE": "Ask for JSON: send the Accept header application/json.",
    "UNSUPPORTED_MEDIA_TYPE": "The token call must send its body as a form (application/x-www-form-urlencoded), not as JSON.",
    "RESOURCE_IS_LOCKED": "Another request is changing the same thing; wait a moment and try again.",
    "413": "The file or feed sent is larger than Walmart accepts; split it.",
    "INVALID_SYSTEM_STATE": "Walmart reports an inconsistent state on its side.",
}

WALMART_CODES = {
    "UNAUTHORIZED": REJECTED, "FORBIDDEN": FORBIDDEN, "REQUEST_THRESHOLD_VIOLATED": RATE_LIMITED,
    "INVALID_REQUEST_HEADER": BAD_HEADER, "MISSING_REQUEST_HEADER": BAD_HEADER, "INVALID_TOKEN": TOKEN_EXPIRED,
    "INVALID_REQUEST": BAD_REQUEST, "INVALID_REQUEST_PARAM": BAD_REQUEST, "INVALID_REQUEST_CONTENT": BAD_REQUEST,
    "MISSING_REQUEST_PARAM": BAD_REQUEST, "MALFORMED_REQUEST_CONTENT": BAD_REQUEST, "METHOD_NOT_ALLOWED": BAD_REQUEST,
    "INVALID_ACCEPT_TYPE": BAD_REQUEST, "UNSUPPORTED_MEDIA_TYPE": BAD_REQUEST, "RESOURCE_IS_LOCKED": BAD_REQUEST,
    "URI_NOT_FOUND": ADDRESS_NOT_FOUND, "CONTENT_NOT_FOUND": NOTHING_FOUND, "SOME_CONTENT_NOT_FOUND": NOTHING_FOUND,
    "SYSTEM_ERROR": SERVER_ERROR, "INVALID_SYSTEM_STATE": SERVER_ERROR, "DOWNSTREAM_SYSTEM_TIME_OUT": DOWNSTREAM_TIMEOUT,
}
OAUTH_ERRORS = {
    "invalid_client": INVALID_CLIENT, "unauthorized_client": UNAUTHORIZED_CLIENT, "invalid_grant": OAUTH_GRANT,
    "access_denied": ACCESS_DENIED,
    "invalid_request": BAD_REQUEST, "unsupported_grant_type": BAD_REQUEST, "invalid_scope": FORBIDDEN,
}
HEADERS = {
    "WM_QOS.CORRELATION_ID": CORRELATION_ID, "WM_SVC.NAME": SERVICE_NAME, "WM_SEC.ACCESS_TOKEN": ACCESS_TOKEN,
    "WM_PARTNER.ID": PARTNER_ID,
    "WM_CONSUMER.CHANNEL.TYPE": OTHER_MARKET, "WM_MARKET": OTHER_MARKET,
    "WM_SEC.AUTH_SIGNATURE": LEGACY, "WM_SEC.TIMESTAMP": LEGACY, "WM_CONSUMER.ID": LEGACY,
}
LEGACY_HEADERS = ("WM_SEC.AUTH_SIGNATURE", "WM_SEC.TIMESTAMP", "WM_CONSUMER.ID")
HTTP_STATUSES = {
    400: BAD_REQUEST, 401: REJECTED, 403: FORBIDDEN, 404: ADDRESS_NOT_FOUND, 405: BAD_REQUEST, 406: BAD_REQUEST,
    413: BAD_REQUEST, 415: BAD_REQUEST, 423: BAD_REQUEST, 429: RATE_LIMITED, 206: NOTHING_FOUND,
    500: SERVER_ERROR, 502: UNAVAILABLE, 503: UNAVAILABLE, 504: DOWNSTREAM_TIMEOUT,
}
_NETWORK_WORDS = re.compile(
    r"timed? ?out|connection (?:refused|reset|aborted)|max retries exceeded|name or service not known|"
    r"getaddrinfo|failed to resolve|no route to host|\bssl\b|certificate verify failed|could not be reached",
    re.IGNORECASE,
)

# OAuth wording (walmart-api.md §6.4, and the dashboard's own Connect messages). Each pattern needs a word
# saying what went wrong near what it names, so a log that merely mentions a refresh token is not misread.
_REFRESH = r"refresh[ _-]?token"
_AUTH_CODE = r"authori[sz]ation[ _-]?code"
_BAD = r"expired|revoked|\binvalid\b|refused|rejected|not valid|no longer|withdrawn|disconnected|not accept"
_USED = _BAD + r"|already (?:been )?used|used twice|reused"
_NEAR = r"[^.\n]{0,60}?"


def _around(subject: str, problem: str, also: str = "") -> re.Pattern:
    return re.compile(rf"(?:{subject}){_NEAR}\b(?:{problem})|\b(?:{problem}){_NEAR}(?:{subject})" + (f"|{also}" if also else ""), re.IGNORECASE)


_OAUTH_WORDING = [  # most specific first
    ("a redirect URI that does not match", REDIRECT_MISMATCH,
     _around(r"redirect[ _-]?ur[il]", r"(?:does ?n[o']t|do ?n[o']t|not) match|mismatch\w*|differ\w*|not (?:the|a) (?:app'?s )?registered|not registered|\binvalid\b",
             also=r"redirect[ _-]?ur[il][ _-]?mismatch")),
    ("a seller ID (WM_PARTNER.ID) problem", PARTNER_ID,
     _around(r"WM_PARTNER\.ID", r"is not the seller|not the seller|mismatch\w*|(?:does ?n[o']t|not) match|blank|null|missing|\binvalid\b")),
    ("a refused refresh token", REFRESH_REFUSED, _around(_REFRESH, _BAD)),
    ("a refused authorization code", CODE_REFUSED, _around(_AUTH_CODE, _USED)),
    ("a refused Connect link", CONNECT_LINK,
     re.compile(r"connect link\b[^.\n]{0,60}?\b(?:expired|already used|not one we issued|started by someone else|refused)"
                r"|unknown state|\bstate\b[^.\n]{0,20}?\b(?:expired|already used|reused|unknown)", re.IGNORECASE)),
    ("a refused approval", ACCESS_DENIED, re.compile(r"did not authori[sz]e the app|denied the (?:app|request|authori[sz]ation)", re.IGNORECASE)),
    ("an address missing code, state or sellerId", REDIRECT_INCOMPLETE,
     re.compile(r"address is missing\b[^.\n]{0,40}?\b(?:code|state|sellerId)|missing (?:the )?(?:code|state|sellerId)\b[^.\n]{0,20}?(?:state|sellerId)",
                re.IGNORECASE)),
]
# Words that place an error in the app connection (OAuth) rather than a store's own keys.
_OAUTH_CONTEXT = re.compile(
    r"authori[sz]ation[ _-]?code|refresh[ _-]?token|WM_PARTNER\.ID|redirect[ _-]?ur[il]|oauth|connect with walmart|"
    r"app'?s (?:client|secret)|\bapp (?:client|secret)|solution provider center",
    re.IGNORECASE,
)

# --- Reading the text -----------------------------------------------------------------------------

_CODE = re.compile(r"\b([A-Z][A-Z_]{4,})(?:\.([A-Z][A-Z0-9_]*))?\b")
_OAUTH = re.compile(r"\b(" + "|".join(OAUTH_ERRORS) + r")\b", re.IGNORECASE)
_HEADER = re.compile(r"\b(WM_[A-Za-z]+(?:[._][A-Za-z]+)*)\b", re.IGNORECASE)
_PHRASES = "|".join(sorted({re.escape(s.phrase) for s in HTTPStatus}, key=len, reverse=True))
_HTTP = [
    re.compile(r"^\s*([1-5]\d\d)\s*$"),  # a bare status
    re.compile(r"^\s*([1-5]\d\d)\b(?![-/.:]\d)"),  # a status leading the text: "429 REQUEST_THRESHOLD_VIOLATED"
    re.compile(r"\bHTTP(?:/\d(?:\.\d)?)?\s*[:#]?\s*([1-5]\d\d)\b", re.IGNORECASE),  # HTTP 429, HTTP/1.1 503
    re.compile(r"\bstatus(?:[ _-]?code)?\"?\s*[:=]?\s*\"?([1-5]\d\d)\b", re.IGNORECASE),  # status code: 401, "status": 401
    re.compile(r"\b(?:error|code|response)\s*[:=#]?\s*([1-5]\d\d)\b", re.IGNORECASE),  # error 503
    re.compile(r"\b([1-5]\d\d)\s*[-:]?\s*(?:" + _PHRASES + r")\b", re.IGNORECASE),  # 503 Service Unavailable
]
_KNOWN_STATUSES = frozenset(s.value for s in HTTPStatus)
_STATUS_NAMES = re.compile(r"\b(" + "|".join(s.value for s in Status if "_" in s.value) + r")\b")
_SAFE_FIELD = re.compile(r"[A-Za-z0-9_.\-]{1,60}")


@dataclass
class _Signals:
    items: tuple[ErrorItem, ...] = ()
    codes: list[tuple[str, str]] = dataclass_field(default_factory=list)  # (code as written, its base code)
    oauth: list[str] = dataclass_field(default_factory=list)
    headers: list[str] = dataclass_field(default_factory=list)
    http: list[int] = dataclass_field(default_factory=list)
    network: bool = False
    path_typo: bool = False
    statuses: list[str] = dataclass_field(default_factory=list)
    wording: list[tuple[str, Meaning]] = dataclass_field(default_factory=list)  # OAuth problems recognised by their words
    oauth_context: bool = False
    grant: Meaning | None = None  # for invalid_grant: the refresh token or the authorization code, if the text names one


def _json_items(text: str) -> tuple[ErrorItem, ...]:
    items = parse_error_body(text.strip())
    if items:
        return items
    start, end = text.find("{"), text.rfind("}")  # a JSON body inside a log line
    return parse_error_body(text[start:end + 1]) if 0 <= start < end else ()


def _unique(values) -> list:
    return list(dict.fromkeys(values))


def _read(text: str) -> _Signals:
    items = _json_items(text)
    written = [item.code for item in items if item.code] + [m.group(0) for m in _CODE.finditer(text)]
    by_base: dict[str, str] = {}
    for code in written:  # one per base code, as first written ("UNAUTHORIZED.GMP_GATEWAY_API", not the field "UNAUTHORIZED")
        by_base.setdefault(code.split(".")[0].upper(), code)
    codes = [(code, base) for base, code in by_base.items() if base in WALMART_CODES]
    oauth = _unique(m.group(1).lower() for m in _OAUTH.finditer(text) if not m.group(1).isupper())
    oauth += _unique(i.code for i in items if i.code in OAUTH_ERRORS and i.code not in oauth)
    known = {name.upper(): name for name in HEADERS}
    headers = _unique(known[h.upper()] for h in [m.group(1) for m in _HEADER.finditer(text)] + [i.field for i in items] if h.upper() in known)
    http = []
    for pattern in _HTTP:
        http += [int(m.group(1)) for m in pattern.finditer(text)]
    try:  # {"status": 401, ...} written as JSON
        data = json.loads(text)
        if isinstance(data, dict) and str(data.get("status", "")).isdigit():
            http.append(int(data["status"]))
    except ValueError:
        pass
    return _Signals(
        items=items, codes=codes, oauth=oauth, headers=headers,
        http=_unique(h for h in http if h in _KNOWN_STATUSES),
        network=bool(_NETWORK_WORDS.search(text)),
        path_typo="/v3/token/details" in text.lower(),
        statuses=_unique(_STATUS_NAMES.findall(text)) + ([text.strip()] if text.strip() in {s.value for s in Status} and "_" not in text else []),
        wording=[(label, meaning) for label, meaning, pattern in _OAUTH_WORDING if pattern.search(text)],
        oauth_context=bool(_OAUTH_CONTEXT.search(text)),
        grant=REFRESH_REFUSED if re.search(_REFRESH, text, re.IGNORECASE) else CODE_REFUSED if re.search(_AUTH_CODE, text, re.IGNORECASE) else None,
    )


def _field_of(signals: _Signals, base: str) -> str | None:
    """The field Walmart named, when it names a header or parameter (not a repeat of the code, like "UNAUTHORIZED")."""
    for item in signals.items:
        name = item.field
        if item.code.split(".")[0].upper() != base or not _SAFE_FIELD.fullmatch(name or ""):
            continue
        if name in HEADERS or not (name[0].isdigit() or (name.isupper() and "." not in name)):
            return name
    return None


def _about_authorization(signals: _Signals, field: str | None) -> bool:
    texts = [f"{i.field} {i.description} {i.info}" for i in signals.items if "HEADER" in i.code.upper()]
    return (field or "").lower() == "authorization" or any("authoriz" in t.lower() for t in texts)


def _choose(signals: _Signals) -> tuple[Meaning | None, str | None, str | None]:
    """The one meaning that explains the text best, with the code and field it rests on."""
    if signals.path_typo:
        return PATH_TYPO, None, None
    oauth_code = next((name for name in signals.oauth if name in ("invalid_grant", "access_denied", "unauthorized_client")), None)
    # The words say more than a generic code such as INVALID_REQUEST or 400 would, but not more than
    # invalid_client (the app's keys) or a passing fault (429, 5xx), which explain a refusal better.
    transient = any(h == 429 or h >= 500 for h in signals.http) or any(
        WALMART_CODES[base] in (RATE_LIMITED, SERVER_ERROR, DOWNSTREAM_TIMEOUT) for _, base in signals.codes)
    if signals.wording and "invalid_client" not in signals.oauth and not transient:
        if oauth_code or not signals.codes:
            return signals.wording[0][1], oauth_code, None
        written, base = signals.codes[0]
        return signals.wording[0][1], written, _field_of(signals, base)
    if oauth_code and not transient:  # more telling than a generic code next to it, such as INVALID_REQUEST
        if oauth_code == "invalid_grant" and signals.grant is not None:  # the text says which grant was refused
            return signals.grant, oauth_code, None
        return OAUTH_ERRORS[oauth_code], oauth_code, None
    for written, base in signals.codes:
        field = _field_of(signals, base)
        if base in ("INVALID_REQUEST_HEADER", "MISSING_REQUEST_HEADER"):
            if _about_authorization(signals, field):  # how Walmart also reports refused keys (reference §4.3)
                return (INVALID_CLIENT if signals.oauth_context else REJECTED), written, field
            header = field if field in HEADERS else next((h for h in signals.headers if h not in LEGACY_HEADERS), None)
            if header:
                return HEADERS[header], written, header
        meaning = WALMART_CODES[base]
        return (INVALID_CLIENT if meaning is REJECTED and signals.oauth_context else meaning), written, field
    if signals.oauth:
        return OAUTH_ERRORS[signals.oauth[0]], signals.oauth[0], None
    if any(h in LEGACY_HEADERS for h in signals.headers):
        return LEGACY, None, next(h for h in signals.headers if h in LEGACY_HEADERS)
    status = next(iter(signals.http), None)
    # A header name next to a status is usually just the log of the call's correlation ID,
    # so the status wins, except a 400, which is where header problems live.
    if status is not None and status != 400:
        meaning = _for_status(status)
        return (INVALID_CLIENT if meaning is REJECTED and signals.oauth_context else meaning), None, None
    if signals.headers:
        return HEADERS[signals.headers[0]], None, signals.headers[0]
    if status is not None:
        return _for_status(status), None, None
    if signals.network:
        return NETWORK, None, None
    return None, None, None


def _for_status(status: int) -> Meaning:
    if status in HTTP_STATUSES:
        return HTTP_STATUSES[status]
    return {2: SUCCESS, 3: REDIRECT, 4: BAD_REQUEST}.get(status // 100, UNAVAILABLE)


def _boosted(meaning: Meaning, text: str, signals: _Signals) -> tuple[Cause, ...]:
    """Move a cause up when the text itself points at it."""
    hints = set()
    if any(h in LEGACY_HEADERS for h in signals.headers) or re.search(r"consumer.?id|private.?key", text, re.IGNORECASE):
        hints.add("legacy-consumer-id")
    if re.search(r"sandbox", text, re.IGNORECASE):
        hints.add("production-vs-sandbox")
    if re.search(r"expired?", text, re.IGNORECASE) and not re.search(_REFRESH + "|" + _AUTH_CODE, text, re.IGNORECASE):
        hints.add("access-token-expired")
    if meaning is INVALID_CLIENT and signals.oauth_context:  # refused while connecting or refreshing: the app's keys
        hints.add("oauth-app-setup")
    return tuple(sorted(meaning.causes, key=lambda c: c.faq_id not in hints))  # stable: otherwise keeps its order


# --- The answer ----------------------------------------------------------------------------------

MAX_ANSWERS = 8
UNKNOWN_STEPS = (
    _DIAGNOSE + " It tests every step and names the one that fails.",
    "If the text came from a log, paste the whole error, including the HTTP status and the JSON body Walmart sent.",
    "If nothing below fits, send the error and its correlation ID to whoever maintains Store Connect.",
)


def explain(text: str, faq: Faq | None = None) -> Explanation:
    """Explain any pasted error text. Never raises for odd input; unknown text gets the closest FAQ answers."""
    faq = faq or load_faq()
    text = text or ""
    signals = _read(text)
    meaning, code, field = _choose(signals)
    found = _found(signals)
    http_status = next(iter(signals.http), None)
    if meaning is None:
        if signals.statuses:  # our own check's status names, e.g. from the CLI's output
            return _explain_status(Status(signals.statuses[0]), faq, found)
        matches = [m.entry for m in search(faq, text, limit=5)] or faq.overview()
        return Explanation(
            recognized=False,
            title="This error is not one we recognise",
            meaning="No Walmart error code, HTTP status or header we know was found in the text. "
            "The closest answers from the FAQ are listed below.",
            causes=(), steps=UNKNOWN_STEPS, faq=tuple(matches), found=found,
        )
    causes = _boosted(meaning, text, signals)
    note = next((_NOTES[key] for key in (code_key(code or "").upper(), str(http_status)) if key in _NOTES), "")
    linked = list(meaning.first) + [c.faq_id for c in causes if c.faq_id] + list(meaning.also)
    linked += [e.id for key in ([code] if code else []) + signals.oauth + signals.headers + [str(h) for h in signals.http] for e in faq.for_code(key)]
    entries = [faq.get(entry_id) for entry_id in _unique(linked)]
    return Explanation(
        recognized=True,
        title=meaning.title,
        meaning=f"{meaning.meaning} {note}".strip(),
        causes=causes,
        steps=meaning.steps,
        faq=tuple(e for e in entries if e is not None)[:MAX_ANSWERS],
        found=found,
        http_status=http_status,
        code=code,
        field=field,
    )


def _explain_status(status: Status, faq: Faq, found: tuple[str, ...]) -> Explanation:
    title, next_step = STATUS_TEXT[status]
    entries = faq.for_status(status)
    return Explanation(
        recognized=True,
        title=title,
        meaning=f"This is the result of a Store Connect authorization check: {title.lower()}.",
        causes=tuple(Cause(e.question, e.id) for e in entries),
        steps=(next_step,),
        faq=tuple(entries),
        found=found,
    )


def _found(signals: _Signals) -> tuple[str, ...]:
    found = [f"Walmart code {written}" for written, _ in signals.codes]
    found += [f"OAuth error {name}" for name in signals.oauth]
    found += [f"HTTP {status} {HTTPStatus(status).phrase}" for status in signals.http]
    found += [f"header {name}" for name in signals.headers]
    found += ["the misspelled path /v3/token/details"] if signals.path_typo else []
    found += ["a network error"] if signals.network and not signals.http else []
    found += [f"check status {name}" for name in signals.statuses]
    found += [label for label, _ in signals.wording]
    return tuple(found)

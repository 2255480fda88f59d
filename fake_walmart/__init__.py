"""A fake Walmart Marketplace gateway for tests and demo mode: real HTTP on 127.0.0.1, strict about the wire format.

Wire facts come from /work/shared/reference/walmart-api.md (sections 1, 2, 4, 6.4, 7, 10, 11). Anything the
reference marks UNCONFIRMED is either configurable (rejection_style), left to queue_response, or picked with an
"UNCONFIRMED" comment saying so.

Where things live:
  control.py       FakeWalmart, the control API tests use (set-up, settings, inspection, start/stop)
  server.py        HTTP plumbing: servers, keep-alive, request capture (ReceivedRequest)
  answers.py       Answer and its JSON/XML/HTML encodings, Accept negotiation
  routes.py        path -> method and handler; a new Walmart area is a module plus a row here
  state.py         what the gateway knows: keys, apps, sellers, grants, tokens, catalogues, settings
  canned.py        answers queued by tests, ready-made 429 and 5xx answers
  errors.py        the gateway error envelope and shared errors (401, 406, 404, 405, bad headers)
  auth.py          who is calling: Basic credentials, access tokens, the headers every call needs
  tokens.py        POST /v3/token: client_credentials, authorization_code, refresh_token
  token_detail.py  GET /v3/token/detail
  items.py         GET /v3/items
  orders.py        GET /v3/orders (walmart-orders-markets.md §1): nextCursor paging, filters, the no-orders answer
  samples.py       items and orders that look like Walmart's: valid GTIN-14s, upc "" beside an EAN-13, wpids, names; orders
                   with epoch-ms dates, string quantities and made-up shipping details (for tests, the demo, benchmarks)
  profile.py       GET /v3/settings/partnerprofile
  oauth.py         GET /authorize, the seller's login and approval page (production only)
  faults.py        fault injection: echoed secrets, a slow drip, a reset, nested JSON, a huge body

Markets (walmart-orders-markets.md §3): a key belongs to a market (add_key(..., market="ca")); outside the US
the token call must name it in WM_MARKET, token detail too, and business calls add WM_GLOBAL_VERSION: 3.1.
The OAuth grants are refused for any market but the US.
"""
from fake_walmart.canned import rate_limited_answer, server_error_answer
from fake_walmart.control import FakeWalmart
from fake_walmart.faults import FAULT_MODES
from fake_walmart.samples import listing_item, order, order_line, sample_items, sample_orders
from fake_walmart.server import ReceivedRequest
from fake_walmart.state import ENVIRONMENTS, SCOPES

__all__ = ["ENVIRONMENTS", "FAULT_MODES", "SCOPES", "FakeWalmart", "ReceivedRequest", "listing_item", "order", "order_line", "rate_limited_answer", "sample_items",
           "sample_orders",
           "server_error_answer"]

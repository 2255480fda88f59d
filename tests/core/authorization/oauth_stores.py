"""Test helper: a store on an OAuth seller authorization, set up through the fake gateway's real grant
(authorize -> code -> exchange) and saved as the connect flow saves it."""
from datetime import timedelta

from core.db.models import Credential, CredentialKind, OAuthApp, Store, utc_now

APP_ID, APP_SECRET = "9c8b7a65-4321-4fed-8cba-0987654321ab", "App-secret-value_0123456789abcdefghij"
REDIRECT = "http://127.0.0.1:8501/walmart_callback"


def oauth_store(runtime, gateway, name, seller_id="456782346", scopes=None, market="us"):
    """(store id, refresh token) of a new store connected with Walmart by `seller_id`, who grants `scopes`."""
    gateway.register_app(APP_ID, APP_SECRET, REDIRECT)
    gateway.add_seller(seller_id, scopes=scopes, partner_name=name)
    url = (f"{gateway.authorize_url()}?responseType=code&clientId={APP_ID}&redirectUri={REDIRECT}"
           f"&nonce=NONCE12345&state=STATE12345&clientType=seller")
    code = gateway.approve(url, seller_id).split("code=")[1].split("&")[0]
    _token, refresh = runtime.walmart.exchange_code(APP_ID, APP_SECRET, code, REDIRECT, seller_id)
    with runtime.transaction() as session:
        if session.get(OAuthApp, APP_ID) is None:
            session.add(OAuthApp(client_id=APP_ID, secret_ciphertext=runtime.vault.encrypt(APP_SECRET), secret_last4=APP_SECRET[-4:]))
        store = Store(name=name, environment="production", market=market)
        session.add(store)
        session.flush()
        session.add(Credential(store_id=store.id, kind=CredentialKind.oauth_seller, client_id=APP_ID, seller_id=seller_id,
                               secret_ciphertext=runtime.vault.encrypt(refresh), secret_last4=refresh[-4:],
                               secret_expires_at=utc_now() + timedelta(days=300)))
        store_id = store.id
    return store_id, refresh

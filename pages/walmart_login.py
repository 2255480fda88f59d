"""The app's Login URL: where Walmart's App Store sends a seller who pressed Connect. Open without sign-in."""
from ui import context
from ui.seller_connect import login_page

login_page(context.runtime(public=True))

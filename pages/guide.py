"""Operator guide: docs/operator-guide.md, for everyone who uses the dashboard."""
from ui import context
from ui.guide import show_guide

context.runtime()  # a guide link opened first on a fresh server goes through the router (sign-in) like any page
show_guide()

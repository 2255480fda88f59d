"""Store Connect domain logic. Never imports streamlit (tests/test_architecture.py)."""

"""Streamlit helpers shared by pages. Thin: nothing here decides a business rule."""

"""Automatic pairing of a store's unmapped Walmart listings with catalog products: rules, matching, suggestions, applying them."""

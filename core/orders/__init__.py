"""Orders meet mappings: reading a store's recent Walmart orders, the SKUs awaiting a mapping, order explosion."""

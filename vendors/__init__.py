"""Vendor clients: one module per vendor behind the interface in base.py (see registry.py)."""

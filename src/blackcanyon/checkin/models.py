"""Check-in lists, scans and scanner devices."""

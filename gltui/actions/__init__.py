"""Token actions: revoke, rotate, create and replace (the dashboard's write side)."""

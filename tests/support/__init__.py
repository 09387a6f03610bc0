"""Helpers shared by the tests (local stand-ins for network services, fixture loaders)."""

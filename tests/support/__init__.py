"""Test helpers and the shared parts of the fakes (no tests here)."""

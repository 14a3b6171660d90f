"""Detectors of secrets and private data in text, shared by audit, guard and trail."""

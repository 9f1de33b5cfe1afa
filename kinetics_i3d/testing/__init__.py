"""Helpers for the tests and benchmarks only (never used by the product):
synthetic videos, running the scripts, and paths in the repository.
"""

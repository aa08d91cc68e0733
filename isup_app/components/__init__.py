"""Pieces of pages, as functions that return components."""

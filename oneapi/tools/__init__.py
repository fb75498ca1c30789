"""Operator tools that run against a deployed gateway over HTTP (no imports from the app itself).

``python -m oneapi.tools.matrix`` runs the cross-format regression matrix.
"""

"""Typed Python SDK for the SpeedPayamak / IPPanel SMS REST API v1."""

from ._version import __version__

__all__ = ["__version__"]

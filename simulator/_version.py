"""The installed version of reelsim."""

__version__ = "0.1.0"

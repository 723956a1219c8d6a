"""warroom: a full-screen terminal war room for small-team incident response."""

__version__ = "0.1.0"

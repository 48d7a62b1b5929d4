"""Studio: turn a topic or a script into a narrated video, on the creator's machine."""

__version__ = "0.1.0"
APP_NAME = "Studio"

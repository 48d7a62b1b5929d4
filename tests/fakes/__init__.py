"""Local stand-ins for outside services, so tests exercise real HTTP without the internet."""

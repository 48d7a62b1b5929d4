"""Script, voice, visuals and render steps that turn a project into a video (no Qt here)."""

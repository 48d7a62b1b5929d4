"""Media: FFmpeg, probing, captions, slides, segments and the final join (no Qt here).

Modules:
    settings: ``RenderSettings`` and the measured encoder constants.
    ffmpeg: running ffmpeg (progress, cancel, readable errors) and ``atomic_output``.
    probe: ``probe`` (``MediaInfo``) and ``audio_duration``.
    captions: ``Cue``, ``build_cues``, SRT and ASS writers (word highlights), the ``ass`` filter.
    caption_look: ``CaptionLook``, its presets, ``FONTS`` (the shipped caption fonts).
    caption_preview: ``caption_frame`` (one frame with captions, for the style editor).
    slides: ``make_slide``.
    segments: ``SegmentSpec``, ``segment_key``, ``render_segment(s)``.
    encoders: each H.264 encoder's options; ``encoder_status`` (probed once, cached),
        ``choose``/``resolve`` ("auto" and fallbacks), ``mark_failed``.
    quality: ``vmaf`` (an encode against its lossless twin), ``VMAF_FLOOR``.
    assemble: ``assemble`` (``RenderOutput``) and ``make_thumbnail``.
    resources: where fonts and other shipped files live.
    chat: ``ChatMessage``, ``render_chat_frame`` (chat-story frames).
    scroll: ``ScrollBlock``, ``parse_blocks``, ``render_scroll_page`` (``ScrollPage``).
    tempo: ``Tempo``, ``detect_tempo``, ``cut_points`` (beat tracking for music videos).
    drawing: measured-width text wrapping and antialiased rounded shapes for the above.

Import from the submodules (``from studio.media.segments import render_segment``); this package
keeps its import light.
"""

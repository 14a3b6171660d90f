"""The small core every product part shares: the finding model (``model``), the guide catalogue (``guide``),
i18n strings (``i18n``), canonical JSON (``canonical``), atomic writes (``atomic``), redaction (``redact``),
clawfence's own paths (``paths``), YAML loading (``yamlload``, ``yamlpos``), OpenClaw versions (``calver``),
shared errors (``errors``). Imports nothing else of clawfence.

Layers (lower never imports higher; ``tests/core/test_layers.py`` enforces it):
``core`` < ``detect`` < ``audit.facts`` < ``skills``, ``integrity``, ``trail``, ``guard`` < ``audit`` < ``reporters`` < ``cli``.
"""

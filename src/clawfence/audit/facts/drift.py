"""Drift of watched files against a stored config hash baseline (filled by ``clawfence.integrity.baseline.drift_facts``).

Guide D3.3 ("establish a configuration hash baseline"). Paths are relative to the state dir (``~/`` for files
under the OpenClaw home such as ``~/.openclaw/exec-approvals.json``). ``changed_keys`` are dotted config keys
whose value changed — never the values.
"""

from __future__ import annotations

from pydantic import BaseModel, Field


class DriftFacts(BaseModel, frozen=True):
    """Baseline comparison.

    ``baseline``: path of the baseline used (None: no baseline exists); ``added``/``removed``/``changed``:
    file paths whose content appeared/disappeared/changed; ``mode_changed``: files whose mode or owner changed
    (``"path: 0600 -> 0644"``); ``changed_keys``: config keys added, removed or changed; ``signature_ok``: the
    baseline's Ed25519 signature verified (None: not checked); ``error``: why the baseline could not be read.
    """

    baseline: str | None = None
    added: list[str] = Field(default_factory=list)
    removed: list[str] = Field(default_factory=list)
    changed: list[str] = Field(default_factory=list)
    mode_changed: list[str] = Field(default_factory=list)
    changed_keys: list[str] = Field(default_factory=list)
    signature_ok: bool | None = None
    error: str | None = None
    #: which public key checked the signature and where it came from (pin, --pubkey, unpinned key)
    key: str | None = None

    @property
    def drifted(self) -> bool:
        """True if anything differs from the baseline."""
        return bool(self.added or self.removed or self.changed or self.mode_changed or self.changed_keys)

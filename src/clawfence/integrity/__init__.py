"""Integrity: clawfence's hash-chained action log (``actionlog``), its signed checkpoints (``checkpoint``) and
verifier (``verify``), and the signed configuration hash baseline with its watcher (``baseline``, ``watch``).
Guide E4.2 (logs protected against tampering), D3.3 (hash baseline)."""

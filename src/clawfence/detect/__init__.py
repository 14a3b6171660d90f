"""The shared detection kernel: every product part asks it the same questions and gets the same answers.

* tool calls and signals (``calls``), per-tool analysis (``analyze``);
* shell commands: parsing (``shell``, ``tsparse``, ``tsutil``), classification of effects (``classify``,
  ``cmdrules``), hosts and auth-config keys (``hosts``);
* the protected-path vocabulary (``paths``);
* secrets and private data in text (``secrets``, ``privacy``).
"""

"""``clawfence audit``: facts collected once (``facts``), checks over them (``checks``, ``registry``,
``engine``), live probes (``probes``), the guide rollup (``compliance``), waivers, advisories, fixes (``fix``),
and the run that ties them together (``run``, ``collect``). Kept import-free so ``clawfence.audit.facts`` loads
alone."""

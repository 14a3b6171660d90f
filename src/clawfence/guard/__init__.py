"""clawfence guard: deterministic runtime policy for OpenClaw tool calls (guide P3.5, P3.6, P5.1, E3, E5,
E6.4, D3.2, C3.4). Pure engine in :mod:`.policy`, analysis by the shared kernel :mod:`clawfence.detect`, approvals in
:mod:`.approvals`, HTTP service in :mod:`.server`, OpenClaw plugin in ``plugin/``.
"""

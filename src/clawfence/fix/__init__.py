"""``clawfence fix``: remediation as plans. Fixers (pure) -> :class:`~clawfence.fix.actions.Plan` ->
:mod:`clawfence.fix.apply` (the only writer: backup, atomic write, verify, action log, rollback)."""

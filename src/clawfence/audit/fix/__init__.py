"""``clawfence fix``: remediation as plans. Fixers (pure) -> :class:`~clawfence.audit.fix.actions.Plan` ->
:mod:`clawfence.audit.fix.apply` (the only writer: backup, atomic write, verify, action log, rollback)."""

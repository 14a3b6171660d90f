"""``clawfence trail``: what the agent did, from OpenClaw's own records (guide E4.1, E4.3, E4.4, E7.2, P5.1).

Modules: ``sources`` (read both storage eras + gateway logs, streaming, read-only), ``parse`` (one record ->
events), ``timeline`` (per-session timelines), ``render`` (text/JSON/HTML), ``detections`` (findings TR0NN),
``scrub`` (redaction + private-data detector hook), ``siem`` (SIEM export: RFC 5424 syslog, CEF, OCSF, JSONL).
"""

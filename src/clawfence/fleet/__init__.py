"""Fleet audits: many hosts' saved audit results aggregated into one report (issue 14; guide E1-E3, C1-C3).

The Ansible role in ``ansible/roles/clawfence_audit`` runs ``clawfence audit --save-facts`` and the JSON report on
every host and fetches both into ``DIR/<inventory host>/``; :func:`clawfence.fleet.load.load_dir` reads such a
directory, :func:`clawfence.fleet.aggregate.aggregate` finds the cross-host risks declared in ``rules.yaml``
(FL001..) and :mod:`clawfence.fleet.render` writes JSON, HTML or OCSF Compliance Finding lines.

Trust: each host's files are that host's own testimony (an agent with a shell there could have altered them);
they are parsed as untrusted input (size-limited, schema-checked, escaped on output) and the host name is the
controller's inventory name (the directory), never a name the host reports about itself.
"""

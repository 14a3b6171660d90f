"""``clawfence skills``: the supply-chain scanner for OpenClaw skills (``scanner``, rules as data in
``rules.yaml``, language analysers ``pyflow``/``jsflow``/``shflow``, ``decode``, ``ioc``), safe loading
(``source``), the approved-skills lockfile (``lockfile``), the install gate (``gate``) and installed-skill
collection for the audit (``installed``). Guide P4, D3.1, E6, C3.2."""

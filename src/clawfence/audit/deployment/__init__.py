"""Audit of deployment files (``clawfence audit --deployment PATH``): compose, Kubernetes manifests / Helm output,
Dockerfiles and systemd units, checked by the ``DP0xx`` checks against the guide's isolation, exposure,
privilege, network and credential points (P1, P2, P3, E2, E3, E7, C1, C2, D2)."""

from __future__ import annotations

from clawfence.audit.deployment.checks import ALL, DeploymentCheck, by_id
from clawfence.audit.deployment.parse import DeploymentError, load
from clawfence.audit.deployment.run import audit_deployment

__all__ = ["ALL", "DeploymentCheck", "DeploymentError", "audit_deployment", "by_id", "load"]

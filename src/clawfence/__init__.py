"""clawfence: make OpenClaw deployments safe, item by item of the CNCERT guide."""

__version__ = "0.1.0"

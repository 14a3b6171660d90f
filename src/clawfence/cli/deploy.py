"""CLI: ``clawfence deploy render systemd|compose|helm [-o DIR] [--with-guard]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from clawfence.core.errors import UsageError


def register(app: typer.Typer) -> None:
    """Add the ``deploy`` group."""
    group = typer.Typer(help="Hardened deployment templates for OpenClaw (systemd, compose, Helm).",
                        no_args_is_help=True)

    @group.command("render")
    def render_cmd(
        target: Annotated[str, typer.Argument(help="systemd|compose|helm")],
        output: Annotated[Path | None, typer.Option("--output", "-o", help="write the files into this directory "
                                                    "(default: print them)")] = None,
        with_guard: Annotated[bool, typer.Option("--with-guard", help="add the clawfence guard service and wire "
                                                 "its plugin into the gateway")] = False,
        diff: Annotated[bool, typer.Option("--diff", help="with -o: show what would change, write nothing")] = False,
        openclaw_version: Annotated[str, typer.Option("--openclaw-version")] = "2026.9.6",
        port: Annotated[int, typer.Option("--port", help="gateway port")] = 18789,
        guard_port: Annotated[int, typer.Option("--guard-port")] = 18795,
        memory_mb: Annotated[int, typer.Option("--memory-mb", help="gateway memory cap (MiB)")] = 2048,
        cpus: Annotated[float, typer.Option("--cpus", help="gateway CPU cap (cores)")] = 2.0,
        audit_hours: Annotated[int, typer.Option("--audit-hours", help="audit timer period (hours)")] = 6,
        namespace: Annotated[str, typer.Option("--namespace", help="Kubernetes namespace (helm)")] = "openclaw",
        image: Annotated[str | None, typer.Option("--image", help="gateway image (compose, helm); pin a digest "
                                                  "(name@sha256:...) in production")] = None,
        guard_image: Annotated[str | None, typer.Option("--guard-image", help="clawfence image (compose, helm)")] = None,
        egress_host: Annotated[list[str] | None, typer.Option("--egress-host", help="model provider host the "
                                                              "egress proxy allows (compose; repeatable)")] = None,
    ) -> None:
        """Render hardened deployment files; `clawfence audit --deployment DIR` checks them."""
        from clawfence.core.calver import parse
        from clawfence.deploy import Options, RenderError, render, write
        if parse(openclaw_version) is None:
            raise UsageError(f"--openclaw-version {openclaw_version!r} is not an OpenClaw version (YYYY.M.D[-N])")
        opts = Options(with_guard=with_guard, openclaw_version=openclaw_version, port=port, guard_port=guard_port,
                       memory_mb=memory_mb, cpus=cpus, audit_hours=audit_hours, namespace=namespace,
                       image=image or f"openclaw-hardened:{openclaw_version}",
                       guard_image=guard_image or Options().guard_image,
                       egress_hosts=tuple(egress_host) if egress_host else Options().egress_hosts)
        try:
            files = render(target, opts)
            if output is None:
                if diff:
                    raise UsageError("--diff needs -o DIR")
                for rel, (text, _mode) in files.items():
                    typer.echo(f"# ---- {rel}")
                    typer.echo(text, nl=False)
                return
            results = write(files, output, dry_run=diff)
        except RenderError as exc:
            raise UsageError(str(exc)) from exc
        for r in results:
            if diff and r.diff:
                typer.echo(r.diff, nl=False)
            extra = f" (previous kept as {r.backup.name})" if r.backup else ""
            typer.echo(f"{r.action:<13} {r.path}{extra}", err=diff)
        if not diff:
            typer.echo(f"check it: clawfence audit --deployment {output}", err=True)

    app.add_typer(group, name="deploy")

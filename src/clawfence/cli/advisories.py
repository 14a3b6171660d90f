"""CLI: ``clawfence advisories [--version V] [--format json|text]`` and ``clawfence advisories update --from PATH``.

Known OpenClaw advisories in the OSV shape (guide P6.1, D1.1, C3.1); see :mod:`clawfence.audit.advisories`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from clawfence.cli.common import check_choice, emit
from clawfence.core.errors import UsageError


def _text(doc: dict[str, Any]) -> str:
    head = (f"{doc['count']} advisories" + (f" affecting OpenClaw {doc['version']}" if doc["version"] else "")
            + f" (data as of {doc['data_as_of']})")
    lines = [head]
    for a in doc["advisories"]:
        ds = a.get("database_specific", {})
        fixed = [e["fixed"] for r in (a["affected"][0].get("ranges") or []) for e in r["events"] if "fixed" in e]
        aka = f" ({', '.join(a['aliases'])})" if a.get("aliases") else ""
        lines.append(f"  {ds.get('severity', '?').lower():8} {a['id']}{aka}  fixed in {fixed[-1] if fixed else '?'}"
                     f"  {a['summary']}")
    if doc.get("not_matched"):
        lines.append(f"  ({doc['not_matched']} advisories state no fixed version and were not matched: "
                     "`clawfence advisories` lists them)")
    return "\n".join(lines) + "\n"


def register(app: typer.Typer) -> None:
    """Add the ``advisories`` sub-app."""
    g = typer.Typer(help="Known OpenClaw advisories (OSV); air-gapped updates.", invoke_without_command=True)
    app.add_typer(g, name="advisories")

    @g.callback()
    def show(ctx: typer.Context,
             version: Annotated[str | None, typer.Option("--version", help="only advisories affecting this "
                                                         "OpenClaw version (e.g. 2026.3.24)")] = None,
             fmt: Annotated[str, typer.Option("--format", help="json | text")] = "json",
             output: Annotated[Path | None, typer.Option("-o", "--output", help="write to FILE")] = None) -> None:
        """Print ``{"data_as_of", "advisories": [OSV records]}``: those affecting ``--version`` (worst first), or
        all of them."""
        if ctx.invoked_subcommand is not None:
            return
        from clawfence.audit.advisories import AdvisoryDataError, affecting, load_data
        from clawfence.core.calver import VersionError
        check_choice("--format", fmt, ("json", "text"))
        try:
            data = load_data()
        except AdvisoryDataError as exc:
            raise UsageError(f"advisory data: {exc}") from exc
        if version is not None:
            try:
                advs = affecting(version, data)
            except VersionError as exc:
                raise UsageError(f"--version: {exc}") from exc
            not_matched = sum(1 for a in data.advisories if not a.ranges)
        else:
            advs, not_matched = list(data.advisories), 0
        doc: dict[str, Any] = {"data_as_of": data.data_as_of, "version": version, "count": len(advs),
                               "origin": list(data.origin), "not_matched": not_matched,
                               "advisories": [a.to_osv() for a in advs]}
        emit(json.dumps(doc, indent=2, ensure_ascii=False) + "\n" if fmt == "json" else _text(doc), output)

    @g.command("update")
    def update(src: Annotated[Path, typer.Option("--from", help="OSV JSON file (a record, a list, or a clawfence "
                                                 "bundle) or a directory of *.json records")]) -> None:
        """Validate OSV records for npm openclaw/clawdbot and store them (atomically) in
        ``$CLAWFENCE_HOME/advisories/osv.json``. They add to the bundled data; they never remove a bundled record."""
        from clawfence.audit import advisories as adv
        try:
            found, as_of, ignored = adv.collect_update(src)
            previous: list[adv.Advisory] = []
            if adv.update_path().exists():
                try:
                    previous, _ = adv.parse_document(adv.read_json(adv.update_path()))
                except adv.AdvisoryDataError:
                    previous = []
            bundled = adv.load_data(None)
            known = {i for a in (*bundled.advisories, *previous) for i in a.ids()}
            new = sum(1 for a in found if not known.intersection(a.ids()))
            merged = adv.merge(previous, found)
            dest = adv.write_update(merged, max(as_of, bundled.data_as_of))
        except adv.AdvisoryDataError as exc:
            raise UsageError(str(exc)) from exc
        except OSError as exc:
            raise UsageError(f"cannot store advisories: {exc.strerror or exc}") from exc
        typer.echo(f"{len(found)} OpenClaw advisories read ({new} not known before, {ignored} records about other "
                   f"packages ignored); data as of {max(as_of, bundled.data_as_of)}; stored in {dest}")

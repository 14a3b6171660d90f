"""The OpenClaw tool catalogue of the detection kernel: tool names as they appear in transcripts and other
agent frameworks' names for the same tools (aliases), mapped onto the names :func:`clawfence.detect.analyze.analyze_call`
judges, plus what a tool can do (delete files).

OpenClaw core tools (``src/agents/tools/``; ``reference/openclaw.md`` §tools): ``exec``, ``process``, ``read``,
``write``, ``edit``, ``apply_patch``, ``web_fetch``, ``browser``, ``gateway``, ``cron``, ``message``,
``sessions_*``; node commands as ``system.run``. The kernel's own sets (``EXEC_TOOLS``, ``FILE_READ``, ...) stay in
:mod:`clawfence.detect.analyze`; this module only adds the aliases a transcript may use so that the guard and the
trail judge ``terminal`` the way they judge ``exec``.
"""

from __future__ import annotations

#: alias -> the tool name the kernel analyses (lower-case keys). Names already known to the kernel are absent.
TOOL_ALIASES: dict[str, str] = {
    "run": "exec", "terminal": "exec", "shell_command": "exec", "run_shell_command": "exec", "execute_command": "exec",
    "run_terminal_cmd": "exec", "system_run": "system.run",
    "view": "read", "cat": "read", "file_read": "read", "read_text_file": "read",
    "str_replace_editor": "edit", "str_replace": "edit", "create_file": "write", "file_write": "write",
    "http_request": "web_fetch", "web_request": "web_fetch",
}

#: Tools whose every call deletes a file (frameworks with a dedicated delete tool; OpenClaw deletes via exec or
#: apply_patch ``*** Delete File:``).
DELETE_TOOLS = frozenset({"delete", "delete_file", "rm", "remove", "remove_file", "unlink"})


def canonical_tool(name: str) -> str:
    """The kernel's name for tool ``name`` (case-insensitive alias lookup; unknown names are returned lower-cased,
    names with upper case the kernel knows, e.g. ``system.run``, unchanged in meaning)."""
    low = name.strip().lower()
    return TOOL_ALIASES.get(low, low)


__all__ = ["DELETE_TOOLS", "TOOL_ALIASES", "canonical_tool"]

"""The two shell parsers agree: tree-sitter-bash (fast path) and bashlex produce the same pipelines for
every exec command of the decision table that both accept (test-command and declaration nodes aside)."""

from __future__ import annotations

from pathlib import Path

import bashlex
import yaml

from clawfence.detect import shell
from clawfence.detect.tsparse import ts_parse

DATA = Path(__file__).parent / "data" / "calls.yaml"
#: known, harmless modelling differences: `[ ... ]`, `export` and bare assignments are not commands for tree-sitter
#: (their substitutions are still walked), and bashlex visits a function body twice
BENIGN = {"if [ -d /tmp ]; then rm -rf /; fi", ":(){ :|:& };:", "export FOO=bar; echo $FOO", "a=rm; $a -rf /"}


def _shape(p: shell.Parsed) -> list[list[tuple[object, ...]]]:
    return [[(c.argv, c.redirects, c.heredoc, len(c.subs), sorted(c.procsub_words)) for c in pl]
            for pl in p.pipelines]


def test_tree_sitter_matches_bashlex() -> None:
    doc = yaml.safe_load(DATA.read_text(encoding="utf-8"))
    rows = [r["exec"] for g in ("attacks", "legit") for r in doc[g] if "exec" in r]
    compared = 0
    for s in rows:
        fast = ts_parse(s)
        if fast is None or s in BENIGN:
            continue
        try:
            trees = bashlex.parse(s)
        except Exception:  # bashlex rejects some valid scripts
            continue
        out: list[list[shell.Cmd]] = []
        for t in trees:
            shell._walk(t, out)
        assert _shape(fast) == _shape(shell.Parsed(out)), s
        compared += 1
    assert compared >= 150


HEREDOCS = ["cat <<EOF | sh\nrm -rf /\nEOF", "cat <<EOF > f\nx\nEOF", "cat > f <<'EOF'\nx\nEOF\nchmod +x f && ./f",
            "cat <<EOF >> ~/.ssh/authorized_keys\nssh-rsa AAA\nEOF", "bash -s -- <<EOF\nrm -rf /\nEOF",
            "python3 -x foo <<'EOF'\nimport os\nEOF", "cat <<EOF | sh -s - a\nrm -rf ~\nEOF"]


def test_heredocs_parsed_by_tree_sitter_like_bashlex() -> None:
    for s in HEREDOCS:
        fast = ts_parse(s)
        assert fast is not None, s
        assert _shape(fast) == _shape(shell.bashlex_parse(s)), s
    p = shell.parse("cat <<EOF | sh\nrm -rf /\nEOF")
    assert p.pipelines[0][0].heredoc == "rm -rf /"
    assert p.pipelines[0][1].argv == ["sh"]


def test_errors_and_dropped_text_fall_back() -> None:
    assert ts_parse("echo 'unterminated") is None
    assert shell.parse("echo 'unterminated").error is not None
    # tree-sitter-bash skips the `-` before a here-doc: plain skipped words are recovered, others fall back
    for s in ("python3 - <<'EOF'\nimport os\nEOF", "python3 - x <<'EOF'\nimport os\nEOF"):
        fast = ts_parse(s)
        assert fast is not None and _shape(fast) == _shape(shell.bashlex_parse(s)), s
    fast = ts_parse("python3 - <<'EOF'\nimport os\nEOF")
    assert fast is not None and fast.pipelines[0][0].argv == ["python3", "-"]
    assert ts_parse("cat <<A <<B\na\nA\nb\nB") is None

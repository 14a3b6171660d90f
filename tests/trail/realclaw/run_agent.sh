#!/usr/bin/env bash
# Drive the REAL OpenClaw through one agent turn against mock_model.py, inside a private network namespace
# (only loopback exists). Usage: run_agent.sh PREFIX WORKDIR   (needs root + unshare; WORKDIR must exist)
set -euo pipefail
PREFIX="$1"; WORK="$2"; HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "${3:-}" != "--inner" ]; then exec unshare -m -n -- bash "${BASH_SOURCE[0]}" "$PREFIX" "$WORK" --inner; fi
ip link set lo up
mkdir -p "$WORK/state" "$WORK/home" "$WORK/tmp" "$WORK/scratch" "$WORK/logs"
chmod 700 "$WORK/state"
echo "meeting notes; deploy key sk-ant-api03-TRAILTESTKEY0000000000000000000000000000 (do not share)" > "$WORK/notes.txt"
cat > "$WORK/state/openclaw.json" <<JSON
{
  "gateway": {"mode": "local", "bind": "loopback", "auth": {"mode": "token", "token": "trailtest-token-0123456789abcdef0123"}},
  "discovery": {"mdns": {"mode": "off"}}, "telemetry": {"enabled": false}, "update": {"checkOnStart": false},
  "logging": {"file": "$WORK/logs/openclaw.log"},
  "models": {"catalogRefresh": {"enabled": false}, "providers": {"mock": {"baseUrl": "http://127.0.0.1:18999/v1",
    "apiKey": "mock-key-not-secret-000", "api": "openai-completions",
    "models": [{"id": "mock-1", "name": "mock-1", "contextWindow": 128000, "maxTokens": 4096}]}}},
  "agents": {"defaults": {"model": {"primary": "mock/mock-1"}, "sandbox": {"mode": "off"}}},
  "tools": {"exec": {"security": "full", "ask": "off"}}
}
JSON
chmod 600 "$WORK/state/openclaw.json"
export HOME="$WORK/home" OPENCLAW_HOME="$WORK/home" TMPDIR="$WORK/tmp" DO_NOT_TRACK=1 PATH="$PREFIX/bin:$PATH"
export OPENCLAW_STATE_DIR="$WORK/state" OPENCLAW_CONFIG_PATH="$WORK/state/openclaw.json"
python3 "$HERE/mock_model.py" 18999 "$WORK" & MOCK=$!
trap 'kill $MOCK 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do (exec 3<>/dev/tcp/127.0.0.1/18999) 2>/dev/null && break; sleep 0.1; done
cd "$WORK"
timeout 150 "$PREFIX/bin/openclaw" agent --local --agent main --message "tidy up the scratch dir, read my notes" \
  > "$WORK/agent.out" 2>&1

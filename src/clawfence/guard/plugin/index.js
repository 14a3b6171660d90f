// clawfence guard — OpenClaw plugin (ESM, no dependencies).
// before_tool_call: POST the call to the local clawfence guard service (/v1/decide) and
//   allow -> return nothing; deny -> {block:true, blockReason}; ask -> wait for clawfence approvals
//   (`clawfence guard approvals approve ID`), then allow or block.
// Fail closed: any error, timeout, non-loopback URL or missing token blocks the call.
// Hook API: docs/plugins/hooks/tool-policy.md (event.toolName, event.params, ctx.agentId,
// ctx.sessionKey, ctx.requester{channel,senderId,senderIsOwner}).
import { readFileSync } from "node:fs";

const DEFAULT_URL = "http://127.0.0.1:18795";

function loopback(url) {
  try {
    const u = new URL(url);
    return u.protocol === "http:" && ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
  } catch {
    return false;
  }
}

function readToken(file) {
  if (!file) return "";
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return "";
  }
}

async function call(url, token, path, init, timeoutMs, signal) {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(new Error("timeout")), timeoutMs);
  const onAbort = () => ctl.abort(new Error("cancelled"));
  signal?.addEventListener?.("abort", onAbort, { once: true });
  try {
    const res = await fetch(url + path, {
      ...init,
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      signal: ctl.signal,
    });
    if (!res.ok) throw new Error(`guard service HTTP ${res.status}`);
    return await res.json();
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener?.("abort", onAbort);
  }
}

const block = (reason) => ({ block: true, blockReason: `clawfence guard: ${reason}` });

export default {
  id: "clawfence-guard",
  name: "clawfence guard",
  description: "Deterministic runtime policy for tool calls via the local clawfence guard service (fail closed).",
  register(api) {
    const cfg = api.pluginConfig ?? {};
    const url = String(cfg.url ?? process.env.CLAWFENCE_GUARD_URL ?? DEFAULT_URL).replace(/\/+$/, "");
    const tokenFile = cfg.tokenFile ?? process.env.CLAWFENCE_GUARD_TOKEN_FILE ?? "";
    const timeoutMs = Number(cfg.timeoutMs ?? 2000);
    const approvalWaitMs = Number(cfg.approvalWaitMs ?? 0);

    api.on(
      "before_tool_call",
      async (event, ctx) => {
        if (!loopback(url)) return block(`service URL ${url} is not loopback; refusing (fail closed)`);
        const token = readToken(tokenFile);
        if (!token) return block("no service token (fail closed)");
        const req = ctx?.requester ?? {};
        const body = {
          toolName: event.toolName,
          params: event.params ?? {},
          derivedPaths: event.derivedPaths ?? [],
          toolCallId: event.toolCallId ?? ctx?.toolCallId,
          agentId: ctx?.agentId,
          sessionKey: ctx?.sessionKey,
          requester: { channel: req.channel, senderId: req.senderId, senderIsOwner: req.senderIsOwner },
        };
        let d;
        try {
          d = await call(url, token, "/v1/decide", { method: "POST", body: JSON.stringify(body) }, timeoutMs, ctx?.abortSignal);
        } catch (err) {
          return block(`decision service unavailable (${err?.message ?? err}); failing closed`);
        }
        if (d?.decision === "allow") return undefined;
        if (d?.decision === "ask" && d.approval_id) {
          if (approvalWaitMs <= 0) {
            return block(`${d.rule_id}: ${d.reason} — approval ${d.approval_id} pending; approve with ` +
              `'clawfence guard approvals approve ${d.approval_id}' and retry`);
          }
          try {
            const waitS = Math.floor(approvalWaitMs / 1000);
            const r = await call(url, token, `/v1/approvals/${d.approval_id}?wait=${waitS}`, { method: "GET" },
              approvalWaitMs + timeoutMs, ctx?.abortSignal);
            if (r?.status === "approved") return undefined;
            return block(`${d.rule_id}: approval ${d.approval_id} ${r?.status ?? "unknown"}`);
          } catch (err) {
            return block(`approval wait failed (${err?.message ?? err}); failing closed`);
          }
        }
        return block(`${d?.rule_id ?? "?"}: ${d?.reason ?? "denied"}`);
      },
      { priority: 1000 },
    );
  },
};

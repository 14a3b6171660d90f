// clawfence guard — OpenClaw plugin (plain ESM, no dependencies, Node >= 20).
//
// before_tool_call: POST the call to the clawfence guard service (/v1/decide) and
//   allow -> return nothing; deny -> {block:true, blockReason}; ask -> block (or wait for an owner's decision
//   made in the clawfence console when approvalWaitMs > 0).
//
// Trust (clawfence docs/guard-trust.md; Python side clawfence/guard/trust.py):
// * transport: the service's Unix socket (config socketPath, default /run/clawfence/guard.sock; the service
//   checks the caller with SO_PEERCRED) or, as a fallback, loopback HTTP with a bearer token (transport "http");
// * every request carries a fresh random nonce (X-Clawfence-Nonce); the service answers with an Ed25519
//   signature over DOMAIN \n nonce \n sha256(request body) \n canonical JSON of {approval_id, decision, rule_id,
//   status}; the plugin verifies it with the service's PUBLIC key pinned in a root-owned file (publicKeyFile,
//   default /etc/clawfence/trust/guard-decision.pub). The agent can read that key but not forge a signature:
//   a rogue server on the port/socket, an unsigned or badly signed answer, another nonce (replay) or another
//   request hash all BLOCK the call;
// * fail closed: any error, timeout, bad key file or unexpected answer blocks;
// * the block message never says how to approve: an owner decides in the clawfence console; only the
//   approval id is given.
// Hook API: docs/plugins/hooks/tool-policy.md (event.toolName, event.params, ctx.agentId, ctx.sessionKey,
// ctx.requester{channel,senderId,senderIsOwner}).
import { createHash, createPublicKey, randomBytes, verify as edVerify } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { dirname } from "node:path";

export const DOMAIN = "clawfence-guard-decision-v1";
export const DEFAULT_SOCKET = "/run/clawfence/guard.sock";
export const DEFAULT_URL = "http://127.0.0.1:18795";
export const DEFAULT_PUBLIC_KEY = "/etc/clawfence/trust/guard-decision.pub";
const MAX_ANSWER = 1 << 20;

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

// A key file the agent could have written is no anchor: it and its directory must be owned by root (or by
// `ownerUid`, tests only) and not writable by group or others. Returns a KeyObject or throws Error(one line).
export function loadPinnedKey(file, ownerUid = 0) {
  if (!file) throw new Error("no publicKeyFile configured");
  const check = (st, what) => {
    if (st.uid !== ownerUid) throw new Error(`${what} is owned by uid ${st.uid}, not ${ownerUid}`);
    if (st.mode & 0o022) throw new Error(`${what} is writable by group or others`);
  };
  check(statSync(dirname(file)), `key directory ${dirname(file)}`);
  const fd = openSync(file, "r");
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > 16384) throw new Error(`${file} is not a small regular file`);
    check(st, `key file ${file}`);
    const buf = Buffer.alloc(st.size);
    let off = 0;
    while (off < st.size) {
      const n = readSync(fd, buf, off, st.size - off, off);
      if (n <= 0) break;
      off += n;
    }
    const key = createPublicKey(buf.subarray(0, off).toString("utf8"));
    if (key.asymmetricKeyType !== "ed25519") throw new Error(`${file} is not an Ed25519 public key`);
    return key;
  } finally {
    closeSync(fd);
  }
}

// Python json.dumps(..., sort_keys=True, separators=(",", ":")) with ensure_ascii=True, for the four fields.
function pyAscii(s) {
  return s.replace(/[\u007f-\uffff]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

export function decisionMessage(nonce, reqHash, d) {
  const core = {};
  for (const k of ["approval_id", "decision", "rule_id", "status"]) {
    const v = d?.[k];
    core[k] = v === undefined ? null : v;
  }
  const canon = pyAscii(JSON.stringify(core));
  return Buffer.from([DOMAIN, nonce, reqHash, canon].join("\n"), "utf8");
}

// true only when `d` carries our nonce and a valid signature by the pinned key over (nonce, hash, decision).
export function verifyAnswer(key, nonce, reqHash, d) {
  if (!d || typeof d !== "object" || d.nonce !== nonce || typeof d.sig !== "string") return false;
  for (const k of ["approval_id", "decision", "rule_id", "status"]) {
    const v = d[k];
    if (v !== undefined && v !== null && typeof v !== "string") return false;
  }
  try {
    const sig = Buffer.from(d.sig, "base64");
    if (sig.length !== 64) return false;
    return edVerify(null, decisionMessage(nonce, reqHash, d), key, sig);
  } catch {
    return false;
  }
}

// One request; resolves to the parsed JSON answer (status 200 only), rejects with Error otherwise.
function send(target, method, path, body, nonce, timeoutMs, signal) {
  return new Promise((resolve, reject) => {
    const headers = { "content-type": "application/json", "x-clawfence-nonce": nonce };
    if (body !== undefined) headers["content-length"] = String(body.length);
    if (target.token) headers.authorization = `Bearer ${target.token}`;
    const opts = target.socketPath
      ? { socketPath: target.socketPath, path, method, headers }
      : { host: target.host, port: target.port, path, method, headers };
    let done = false;
    const finish = (err, val) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener?.("abort", onAbort);
      if (err) reject(err);
      else resolve(val);
    };
    const req = httpRequest(opts, (res) => {
      const chunks = [];
      let size = 0;
      res.on("data", (c) => {
        size += c.length;
        if (size > MAX_ANSWER) {
          req.destroy();
          finish(new Error("answer too large"));
        } else chunks.push(c);
      });
      res.on("end", () => {
        if (res.statusCode !== 200) return finish(new Error(`guard service HTTP ${res.statusCode}`));
        try {
          finish(null, JSON.parse(Buffer.concat(chunks).toString("utf8")));
        } catch {
          finish(new Error("answer is not JSON"));
        }
      });
      res.on("error", (e) => finish(e));
    });
    const timer = setTimeout(() => {
      req.destroy();
      finish(new Error("timeout"));
    }, timeoutMs);
    const onAbort = () => {
      req.destroy();
      finish(new Error("cancelled"));
    };
    signal?.addEventListener?.("abort", onAbort, { once: true });
    req.on("error", (e) => finish(e));
    req.end(body);
  });
}

const block = (reason) => ({ block: true, blockReason: `clawfence guard: ${reason}` });
const sha256 = (buf) => createHash("sha256").update(buf).digest("hex");
const idOk = (s) => typeof s === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(s);
const oneLine = (s, n = 300) => String(s ?? "").replace(/[\r\n\t]+/g, " ").slice(0, n);

// The decision function, separated from OpenClaw's api for tests: (event, ctx) -> undefined | {block,...}.
export function makeGuard(cfg = {}, env = process.env, keyOwnerUid = 0) {
  // an older config with only url/tokenFile keeps talking HTTP (answers must be signed all the same)
  const transport = String(cfg.transport ?? env.CLAWFENCE_GUARD_TRANSPORT ?? (cfg.url ? "http" : "unix"));
  const socketPath = String(cfg.socketPath ?? env.CLAWFENCE_GUARD_SOCKET ?? DEFAULT_SOCKET);
  const url = String(cfg.url ?? env.CLAWFENCE_GUARD_URL ?? DEFAULT_URL).replace(/\/+$/, "");
  const tokenFile = cfg.tokenFile ?? env.CLAWFENCE_GUARD_TOKEN_FILE ?? "";
  const keyFile = String(cfg.publicKeyFile ?? DEFAULT_PUBLIC_KEY);
  const timeoutMs = Number(cfg.timeoutMs ?? 2000);
  const approvalWaitMs = Number(cfg.approvalWaitMs ?? 0);
  let key = null;

  const target = () => {
    if (transport === "unix") return { socketPath };
    if (transport !== "http") throw new Error(`unknown transport ${oneLine(transport, 20)}`);
    if (!loopback(url)) throw new Error(`service URL ${oneLine(url, 80)} is not loopback`);
    const token = readToken(tokenFile);
    if (!token) throw new Error("no service token");
    const u = new URL(url);
    return { host: u.hostname.replace(/^\[|\]$/g, ""), port: Number(u.port || 80), token };
  };

  // a signed, verified answer or an Error
  const ask = async (method, path, body, hashOf, wait, signal) => {
    if (!key) key = loadPinnedKey(keyFile, keyOwnerUid); // pinned once loaded; retried while absent
    const nonce = randomBytes(24).toString("hex");
    const d = await send(target(), method, path, body, nonce, wait, signal);
    if (!verifyAnswer(key, nonce, sha256(hashOf), d)) throw new Error("answer not signed by the guard service");
    return d;
  };

  return async (event, ctx) => {
    const req = ctx?.requester ?? {};
    const doc = {
      toolName: event?.toolName,
      params: event?.params ?? {},
      derivedPaths: event?.derivedPaths ?? [],
      toolCallId: event?.toolCallId ?? ctx?.toolCallId,
      agentId: ctx?.agentId,
      sessionKey: ctx?.sessionKey,
      requester: { channel: req.channel, senderId: req.senderId, senderIsOwner: req.senderIsOwner },
    };
    let d;
    try {
      const body = Buffer.from(JSON.stringify(doc), "utf8");
      d = await ask("POST", "/v1/decide", body, body, timeoutMs, ctx?.abortSignal);
    } catch (err) {
      return block(`decision service unavailable or not authentic (${oneLine(err?.message ?? err, 160)}); failing closed`);
    }
    const rule = oneLine(d.rule_id ?? "?", 40);
    if (d.decision === "allow") return undefined;
    if (d.decision === "ask" && idOk(d.approval_id)) {
      const pending = `${rule}: ${oneLine(d.reason)} — approval ${d.approval_id} is pending: an owner must decide ` +
        "in the clawfence console; this call stays blocked until then";
      if (approvalWaitMs <= 0) return block(pending);
      const path = `/v1/approvals/${d.approval_id}`;
      try {
        const waitS = Math.floor(approvalWaitMs / 1000);
        const r = await ask("GET", `${path}?wait=${waitS}`, undefined, Buffer.from(path, "utf8"),
          approvalWaitMs + timeoutMs, ctx?.abortSignal);
        if (r.status === "approved" && r.approval_id === d.approval_id) return undefined;
        return block(`${rule}: approval ${d.approval_id} ${oneLine(r.status ?? "unknown", 20)}`);
      } catch (err) {
        return block(`approval wait failed (${oneLine(err?.message ?? err, 160)}); failing closed`);
      }
    }
    if (d.decision === "deny") return block(`${rule}: ${oneLine(d.reason ?? "denied")}`);
    return block(`${rule}: unexpected decision; failing closed`);
  };
}

export default {
  id: "clawfence-guard",
  name: "clawfence guard",
  description: "Deterministic runtime policy for tool calls via the clawfence guard service (signed answers, fail closed).",
  register(api) {
    const guard = makeGuard(api.pluginConfig ?? {});
    api.on("before_tool_call", guard, { priority: 1000 });
  },
};

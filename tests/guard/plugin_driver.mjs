// Test driver for the clawfence OpenClaw plugin: reads {plugin, cfg, keyOwnerUid, calls:[{event, ctx}]} as JSON
// on stdin, runs the plugin's before_tool_call handler on each call in order, prints one JSON line per call
// ({"result": undefined|{block, blockReason}}). Used by tests/guard/test_guard_plugin*.py and the trust tests.
import { pathToFileURL } from "node:url";

let raw = "";
for await (const chunk of process.stdin) raw += chunk;
const job = JSON.parse(raw);
const mod = await import(pathToFileURL(job.plugin).href);
const guard = mod.makeGuard(job.cfg ?? {}, {}, job.keyOwnerUid ?? 0);
for (const c of job.calls) {
  const r = await guard(c.event, c.ctx ?? {});
  process.stdout.write(JSON.stringify({ result: r === undefined ? null : r }) + "\n");
}

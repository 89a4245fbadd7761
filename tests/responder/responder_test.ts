// The test responder answers as the kernel target would — otherwise the
// client's tests against it would prove nothing.

import assert from "node:assert";
import dgram from "node:dgram";
import {
  createRequest,
  deriveKey,
  KeyStatus,
  RefusalReason,
  type RequestInfo,
  Verdict,
  verifyReply,
} from "../../mod.ts";
import { type Behaviour, FORGERIES, startResponder } from "./responder.ts";

const KEY = await deriveKey("test-responder-not-a-secret");
const OTHER = await deriveKey("test-other-not-a-secret");
const SERVER = "127.0.0.1";

/** Send one request; collect whatever comes back within 150 ms. */
async function exchange(behaviour: Behaviour, request: RequestInfo, key = KEY) {
  // As if the module loaded a second ago (a stamp equal to it is a replay).
  const lastAccepted = Date.now() - 1000;
  const options = { key: KEY, otherKey: OTHER, lastAccepted, ...behaviour };
  const responder = await startResponder(options);
  const socket = dgram.createSocket("udp4");
  const replies: Uint8Array[] = [];
  socket.on("message", (m) => replies.push(new Uint8Array(m)));
  await new Promise<void>((r) => socket.bind(0, SERVER, () => r()));
  try {
    const packet = createRequest(key, { ...request, serverAddress: SERVER });
    socket.send(packet, responder.port, SERVER);
    await new Promise((r) => setTimeout(r, 150));
    return { replies, seen: responder.seen };
  } finally {
    socket.close();
    await responder.close();
  }
}

function request(keys = "sub", ackWanted = true): RequestInfo {
  return {
    keys,
    timestamp: Date.now(),
    nonce: crypto.getRandomValues(new Uint8Array(16)),
    ackWanted,
  };
}

const check = (reply: Uint8Array, info: RequestInfo) =>
  verifyReply(KEY, reply, { serverAddress: SERVER, request: info });

Deno.test("accepted: one ack with per-key statuses", async () => {
  const info = request();
  const { replies, seen } = await exchange({
    refuseByRule: "u",
    refuseBySysctl: "b",
  }, info);
  assert.equal(seen[0].verdict, Verdict.ACCEPTED);
  assert.equal(replies.length, 1);
  const reply = check(replies[0], info);
  assert.equal(reply?.type, "ack");
  assert.deepEqual(reply?.type === "ack" && reply.statuses, [
    KeyStatus.EXECUTED,
    KeyStatus.REFUSED_BY_RULE,
    KeyStatus.REFUSED_BY_SYSCTL,
  ]);
});

Deno.test("time failures: a verified refusal with the server's clock", async () => {
  const info = request();
  const { replies } = await exchange({ clockOffsetMs: 3_600_000 }, info);
  const reply = check(replies[0], info);
  assert.equal(reply?.type, "refusal");
  if (reply?.type !== "refusal") return;
  assert.equal(reply.reason, RefusalReason.STALE);
  assert.ok(Math.abs(reply.serverTime - (Date.now() + 3_600_000)) < 5000);
});

Deno.test("silence: bad MAC, no ack wanted, silent mode, dropped", async (t) => {
  await t.step("wrong password", async () => {
    const { replies, seen } = await exchange({}, request(), OTHER);
    assert.equal(seen[0].verdict, Verdict.BAD_MAC);
    assert.equal(replies.length, 0);
  });
  await t.step("no ack wanted", async () => {
    const { replies, seen } = await exchange({}, request("s", false));
    assert.equal(seen[0].verdict, Verdict.ACCEPTED);
    assert.equal(replies.length, 0);
  });
  await t.step(
    "silent",
    async () =>
      assert.equal(
        (await exchange({ silent: true }, request())).replies.length,
        0,
      ),
  );
  await t.step("dropped unjudged", async () => {
    const { replies, seen } = await exchange({ dropFirst: 1 }, request());
    assert.equal(seen[0].verdict, null);
    assert.equal(replies.length, 0);
  });
});

Deno.test("forgeries: none of them verifies, the true ack still does", async () => {
  const info = request();
  const forgeries = FORGERIES;
  const { replies } = await exchange({ forgeries: [...forgeries] }, info);
  assert.equal(replies.length, forgeries.length + 1);
  assert.deepEqual(replies.map((r) => check(r, info)?.type ?? null), [
    ...forgeries.map(() => null),
    "ack",
  ]);
});

// The test responder answers as the kernel target would — otherwise the
// client's tests against it would prove nothing.

import assert from "node:assert";
import dgram from "node:dgram";
import {
  createProbe,
  createRequest,
  deriveKey,
  keyIdOf,
  KeySet,
  KeyStatus,
  RefusalReason,
  type RequestInfo,
  type ServerInfo,
  serverKey,
  Verdict,
  verifyReply,
} from "../../mod.ts";
import {
  FORGERIES,
  type Responder,
  type ResponderOptions,
  startResponder,
} from "./responder.ts";
import { testPassword } from "../_testing.ts";

const KEY = await deriveKey(testPassword());
const OTHER = await deriveKey(testPassword());
const SERVER = "127.0.0.1";

/** A responder and a socket to talk to it; the packets sent get replies. */
async function withResponder(
  behaviour: Partial<ResponderOptions>,
  fn: (
    responder: Responder,
    send: (packet: Uint8Array) => Promise<Uint8Array[]>,
  ) => Promise<void>,
) {
  const responder = await startResponder({
    key: KEY,
    otherKey: OTHER,
    ...behaviour,
  });
  const socket = dgram.createSocket("udp4");
  let replies: Uint8Array[] = [];
  socket.on("message", (m) => replies.push(new Uint8Array(m)));
  await new Promise<void>((r) => socket.bind(0, SERVER, () => r()));
  const send = async (packet: Uint8Array) => {
    replies = [];
    socket.send(packet, responder.port, SERVER);
    await new Promise((r) => setTimeout(r, 150));
    return replies;
  };
  try {
    await fn(responder, send);
  } finally {
    socket.close();
    await responder.close();
  }
}

/** A request stamped from the responder's state and clock. */
function request(
  responder: Responder,
  keys = "sub",
  ackWanted = true,
  offsetMs = 0,
): RequestInfo {
  return {
    keys,
    bootId: responder.state.bootId,
    timestamp: Date.now() + offsetMs,
    nonce: crypto.getRandomValues(new Uint8Array(12)),
    ackWanted,
  };
}

const packetOf = (info: RequestInfo, key = KEY) =>
  createRequest(key, { ...info, serverAddress: SERVER });

const check = (reply: Uint8Array, info: RequestInfo) =>
  verifyReply(KEY, reply, { serverAddress: SERVER, request: info });

Deno.test("probe: a clock answer with the boot id, on every rule", async () => {
  for (const noAck of [false, true]) {
    await withResponder({ noAck, clockOffsetMs: 600_000 }, async (r, send) => {
      const nonce = crypto.getRandomValues(new Uint8Array(12));
      const [answer] = await send(
        createProbe(KEY, { serverAddress: SERVER, nonce }),
      );
      const clock = verifyReply(KEY, answer, {
        serverAddress: SERVER,
        request: { probe: true, nonce },
      });
      assert.ok(clock?.type === "clock");
      assert.deepEqual(clock.bootId, r.state.bootId);
      assert.ok(Math.abs(clock.serverTime - (Date.now() + 600_000)) < 5000);
    });
  }
});

Deno.test("accepted: one ack with per-key statuses, run once", async () => {
  await withResponder(
    { refuseByRule: "u", refuseBySysctl: "b" },
    async (responder, send) => {
      const info = request(responder);
      const replies = await send(packetOf(info));
      assert.equal(responder.seen[0].verdict, Verdict.ACCEPTED);
      assert.equal(replies.length, 1);
      const reply = check(replies[0], info);
      assert.ok(reply?.type === "ack");
      assert.deepEqual(reply.statuses, [
        KeyStatus.EXECUTED,
        KeyStatus.REFUSED_BY_RULE,
        KeyStatus.REFUSED_BY_SYSCTL,
      ]);
      assert.equal(reply.repeat, false);
      assert.equal(responder.runs(), 1);
    },
  );
});

Deno.test("a lost ack: the identical retry is re-acked, nothing runs again", async () => {
  await withResponder({ dropReplies: 1 }, async (responder, send) => {
    const info = request(responder);
    const packet = packetOf(info);
    assert.equal((await send(packet)).length, 0, "the first ack was dropped");
    const replies = await send(packet);
    const reply = check(replies[0], info);
    assert.ok(reply?.type === "ack");
    assert.equal(reply.repeat, true);
    assert.equal(responder.runs(), 1);
  });
});

Deno.test("refusals: verified, with the server's boot id and clock", async (t) => {
  await t.step("stale", async () => {
    await withResponder({ clockOffsetMs: 3_600_000 }, async (r, send) => {
      const info = request(r);
      const reply = check((await send(packetOf(info)))[0], info);
      assert.ok(reply?.type === "refusal");
      assert.equal(reply.reason, RefusalReason.STALE);
      assert.ok(Math.abs(reply.serverTime - (Date.now() + 3_600_000)) < 5000);
    });
  });
  await t.step("future, then consumed", async () => {
    await withResponder({}, async (r, send) => {
      const info = request(r, "h", true, 200_000);
      const reply = check((await send(packetOf(info)))[0], info);
      assert.ok(reply?.type === "refusal");
      assert.equal(reply.reason, RefusalReason.FUTURE);
      assert.equal(r.state.floor, BigInt(info.timestamp));
    });
  });
  await t.step("boot: made before a reload", async () => {
    await withResponder({}, async (r, send) => {
      const info = request(r);
      assert.equal(check((await send(packetOf(info)))[0], info)?.type, "ack");
      r.reload();
      const reply = check((await send(packetOf(info)))[0], info);
      assert.ok(reply?.type === "refusal");
      assert.equal(reply.reason, RefusalReason.BOOT);
      assert.deepEqual(reply.bootId, r.state.bootId);
      assert.equal(r.runs(), 1);
    });
  });
});

Deno.test("silence: bad MAC, no ack wanted, --sysrq-no-ack, silent, dropped", async (t) => {
  await t.step("wrong password", async () => {
    await withResponder({}, async (r, send) => {
      assert.equal((await send(packetOf(request(r), OTHER))).length, 0);
      assert.equal(r.seen[0].verdict, Verdict.BAD_MAC);
    });
  });
  await t.step("no ack wanted", async () => {
    await withResponder({}, async (r, send) => {
      assert.equal((await send(packetOf(request(r, "s", false)))).length, 0);
      assert.equal(r.seen[0].verdict, Verdict.ACCEPTED);
    });
  });
  await t.step("a --sysrq-no-ack rule", async () => {
    await withResponder({ noAck: true }, async (r, send) => {
      assert.equal((await send(packetOf(request(r)))).length, 0);
      assert.equal(r.runs(), 1);
    });
  });
  await t.step("silent", async () => {
    await withResponder({ silent: true }, async (r, send) => {
      assert.equal((await send(packetOf(request(r)))).length, 0);
    });
  });
  await t.step("dropped unjudged", async () => {
    await withResponder({ dropFirst: 1 }, async (r, send) => {
      assert.equal((await send(packetOf(request(r)))).length, 0);
      assert.equal(r.seen[0].verdict, null);
    });
  });
});

Deno.test("forgeries: none of them verifies, the true ack still does", async () => {
  await withResponder({ forgeries: [...FORGERIES] }, async (r, send) => {
    const info = request(r);
    const replies = await send(packetOf(info));
    assert.equal(replies.length, FORGERIES.length + 1);
    assert.deepEqual(replies.map((p) => check(p, info)?.type ?? null), [
      ...FORGERIES.map(() => null),
      "ack",
    ]);
  });
});

Deno.test("server keys: web1's requests and info probe answered under its key", async () => {
  const adminSecret = crypto.getRandomValues(new Uint8Array(32));
  const keyId = await keyIdOf(adminSecret);
  const web1 = await serverKey(adminSecret, "web1");
  const web2 = await serverKey(adminSecret, "web2");
  const info: ServerInfo = {
    version: "0.2.0",
    capabilities: {
      noAck: false,
      legacy: false,
      output: false,
      safeReboot: true,
    },
    sysrq: 176,
    toleranceSeconds: 60,
    ruleKeys: "bsu",
  };
  await withResponder(
    { keys: new KeySet({ serverKeys: [[keyId, web1]] }), info },
    async (responder, send) => {
      // No address anywhere on the client's side: the key binds the host.
      const nonce = crypto.getRandomValues(new Uint8Array(12));
      const sent = { probe: true as const, keyId, nonce, info: true };
      const [answer] = await send(createProbe(web1, sent));
      const clock = verifyReply(web1, answer, { request: sent });
      assert.ok(clock?.type === "clock");
      assert.deepEqual(clock.info, info);
      const sentRequest = { ...request(responder), keyId };
      const [reply] = await send(createRequest(web1, sentRequest));
      const ack = verifyReply(web1, reply, { request: sentRequest });
      assert.equal(ack?.type, "ack");
      // web2's key under the same id: silence, nothing runs.
      const forWeb2 = { ...request(responder), keyId };
      assert.equal((await send(createRequest(web2, forWeb2))).length, 0);
      assert.equal(responder.seen.at(-1)?.verdict, Verdict.BAD_MAC);
      // The key removed at run time (the password's stays): UNKNOWN_KEY.
      responder.keys.remove(keyId);
      const late = { ...request(responder), keyId };
      assert.equal((await send(createRequest(web1, late))).length, 0);
      assert.equal(responder.seen.at(-1)?.verdict, Verdict.UNKNOWN_KEY);
      assert.equal(responder.runs(), 1);
    },
  );
});

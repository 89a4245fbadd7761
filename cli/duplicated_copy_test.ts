// An attacker on the path copies a request and sends the copy late: the
// real client, against the loopback responder, must not make a new request
// that runs the keys a second time (docs/PROTOCOL.md, "Exactly once").

import assert from "node:assert";
import dgram from "node:dgram";
import {
  createRequest,
  deriveKey,
  KeyStatus,
  type MacKey,
  Verdict,
  verifyRequest,
} from "../mod.ts";
import {
  requestsSeen,
  type Seen,
  startResponder,
} from "../tests/responder/responder.ts";
import { runClient, SOURCE } from "./_run_client.ts";
import { testPassword } from "../tests/_testing.ts";

const PASSWORD = testPassword();
const KEY: MacKey = await deriveKey(PASSWORD);

Deno.test("a copy of the only request, sent late by someone on the path: no second run", async () => {
  // The attacker lets the request through (it runs), drops its ack, waits
  // for another administrator's request to be accepted, then sends the
  // server a copy of the first: the server refuses it as a replay, and the
  // authentic refusal reaches the client, which has sent ONE copy itself.
  const responder = await startResponder({ key: KEY, dropReplies: 1 });
  const attacker = dgram.createSocket("udp4");
  const host = `${responder.address}:${responder.port}`;
  const now = () => Date.now();
  try {
    const record = responder.seen.push.bind(responder.seen);
    responder.seen.push = (...items: Seen[]) => {
      const n = record(...items);
      const [seen] = items;
      if (
        seen.verdict !== Verdict.ACCEPTED || requestsSeen(responder).length > 1
      ) {
        return n;
      }
      const { state } = responder;
      const options = {
        serverAddress: responder.address,
        now: now(),
        toleranceMs: 60_000,
        state,
        statuses: (keys: string) => [...keys].map(() => KeyStatus.EXECUTED),
      };
      const other = createRequest(KEY, {
        keys: "u",
        bootId: state.bootId,
        timestamp: seen.request!.timestamp + 1,
        nonce: crypto.getRandomValues(new Uint8Array(12)),
        ackWanted: false,
        serverAddress: responder.address,
      });
      assert.equal(
        verifyRequest(KEY, other, options).verdict,
        Verdict.ACCEPTED,
      );
      state.refusalTokens = 5;
      const copy = verifyRequest(KEY, seen.packet, options);
      assert.equal(copy.verdict, Verdict.REFUSED_REPLAY);
      attacker.send(copy.reply!, seen.from.port, seen.from.address);
      return n;
    };
    const run = await runClient(
      SOURCE,
      ["--yes", "--timeout", "2", "s", host],
      {
        env: { SYSRQ_PASSWORD: PASSWORD },
      },
    );
    assert.equal(
      responder.runs(),
      1,
      `the keys ran again: the client made a new request\n${run.stdout}`,
    );
    assert.equal(requestsSeen(responder).length, 1, "no new request");
    assert.equal(run.code, 1, run.stdout);
    assert.match(run.stdout, /refused: not newer than a request/);
    assert.match(run.stdout, /may have run once/);
  } finally {
    attacker.close();
    await responder.close();
  }
});

// The shared output vectors (tests/vectors/output.json, built independently
// by tests/vectors/generate_output.ts) through core/output.ts and the
// client's ack check.

import assert from "node:assert/strict";
import { MacKey, verifyReply } from "../mod.ts";
import { outputVectors } from "../tests/vectors/generate_output.ts";
import { fromHex, hex } from "./hex.ts";
import { createOutput, openOutput, outputKey } from "./output.ts";

const file = JSON.parse(
  await Deno.readTextFile(
    new URL("../tests/vectors/output.json", import.meta.url),
  ),
);
const ADDRESS: Record<string, string | undefined> = {
  "00000000000000000000ffffc0000207": "192.0.2.7",
  "20010db8000000000000000000000007": "2001:db8::7",
  "00000000000000000000000000000000": undefined, // a server key's A
};

Deno.test("output vectors: the committed file is what generate_output.ts writes", () => {
  assert.deepEqual(
    file,
    JSON.parse(JSON.stringify(outputVectors())),
    "output.json is stale: run deno run -A tests/vectors/generate_output.ts",
  );
});

Deno.test("output vectors: every message opens, or is rejected, as expected", async (t) => {
  assert.ok(file.messages.length >= 25);
  assert.ok(
    file.messages.some((c: { expected: unknown }) => c.expected === null),
  );
  for (const c of file.messages) {
    await t.step(c.name, async () => {
      const key = await MacKey.fromBytes(fromHex(c.keyHex));
      const out = outputKey(key, {
        request: fromHex(c.requestHex),
        serverAddress: ADDRESS[c.addressHex],
      });
      const packet = fromHex(c.packetHex);
      const chunk = openOutput(out, packet);
      if (c.expected === null) {
        assert.equal(chunk, null);
        return;
      }
      assert.ok(chunk, "a valid message was rejected");
      const { text, ...rest } = chunk;
      const { textHex, ...want } = c.expected;
      assert.deepEqual(rest, want);
      assert.equal(hex(text), textHex);
      // And the library builds the very same bytes.
      const again = createOutput(out, { index: chunk.index, text, ...want });
      assert.equal(hex(again), c.packetHex);
    });
  }
});

Deno.test("output vectors: the ack's output flags, as the client reads them", async (t) => {
  for (const c of file.acks) {
    await t.step(c.name, async () => {
      const key = await MacKey.fromBytes(fromHex(c.keyHex));
      const req = fromHex(c.requestHex);
      const view = new DataView(req.buffer);
      const request = {
        keys: new TextDecoder().decode(req.subarray(40, 40 + req[7])),
        keyId: view.getUint32(24),
        bootId: req.slice(8, 16),
        timestamp: Number(view.getBigUint64(16)),
        nonce: req.slice(28, 40),
        ackWanted: true,
        outputWanted: true,
      };
      const reply = verifyReply(key, fromHex(c.packetHex), {
        serverAddress: c.serverAddress,
        request,
      });
      if (c.expected === null) {
        assert.equal(reply, null);
        return;
      }
      assert.ok(reply?.type === "ack");
      assert.equal(reply.repeat, c.expected.repeat);
      assert.equal(reply.output ?? null, c.expected.output);
    });
  }
});

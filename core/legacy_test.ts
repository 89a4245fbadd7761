import assert from "node:assert/strict";
import {
  createLegacyRequest,
  type LegacyOptions,
  Verdict,
  verifyLegacyRequest,
} from "../mod.ts";
import { hex } from "./hex.ts";
import { testPassword } from "../tests/_testing.ts";

const base: LegacyOptions = {
  password: testPassword(),
  keys: "sub",
  seqno: 1700000100,
  salt: "AAECAwQFBgcICQoL",
  serverAddress: "192.0.2.7",
};

async function verify(
  packet: Uint8Array,
  lastSeqno = 1700000000,
  address = base.serverAddress,
) {
  const state = { lastSeqno };
  const result = await verifyLegacyRequest(base.password, packet, {
    serverAddress: address,
    state,
  });
  return { ...result, lastSeqno: state.lastSeqno };
}

Deno.test("legacy: the man page's recipe, computed the shell's way", async () => {
  // echo "$req,$(echo -n "$req,$ip,$password" | sha1sum | cut -c1-40)"
  const req = `${base.keys},${base.seqno},${base.salt}`;
  const input = new TextEncoder().encode(
    `${req},${base.serverAddress},${base.password}`,
  );
  const sha1 = new Uint8Array(await crypto.subtle.digest("SHA-1", input));
  const digest = hex(sha1);
  const packet = await createLegacyRequest({ ...base, newline: true });
  assert.equal(new TextDecoder().decode(packet), `${req},${digest}\n`);
});

Deno.test("legacy: round trips, sha1 and sha256, IPv4 and IPv6", async () => {
  for (const hash of ["sha1", "sha256"] as const) {
    for (const serverAddress of ["192.0.2.7", "2001:db8::7"]) {
      const packet = await createLegacyRequest({
        ...base,
        hash,
        serverAddress,
      });
      const result = await verify(packet, 1700000000, serverAddress);
      assert.deepEqual(result, {
        verdict: Verdict.ACCEPTED,
        keys: "sub",
        lastSeqno: base.seqno,
      });
      assert.equal(
        (await verify(packet, base.seqno, serverAddress)).verdict,
        Verdict.REPLAY,
      );
    }
  }
});

Deno.test("legacy: every digest digit counts", async () => {
  const packet = await createLegacyRequest({ ...base, hash: "sha256" });
  for (let i = packet.length - 64; i < packet.length; i++) {
    const bad = packet.slice();
    bad[i] = bad[i] === 0x61 ? 0x62 : 0x61;
    assert.equal((await verify(bad)).verdict, Verdict.BAD_MAC, `digit ${i}`);
  }
});

Deno.test("legacy: bad input throws", async () => {
  const cases: [
    Partial<Record<keyof LegacyOptions, unknown>>,
    ErrorConstructor,
  ][] = [
    [{ keys: "s,b" }, RangeError],
    [{ keys: "" }, RangeError],
    [{ keys: "s b" }, RangeError],
    [{ salt: "a,b" }, RangeError],
    [{ salt: "" }, RangeError],
    [{ salt: "a\nb" }, RangeError],
    [{ seqno: -1 }, RangeError],
    [{ seqno: 1.5 }, RangeError],
    [{ seqno: "1" }, TypeError],
    [{ hash: "md5" }, RangeError],
    [{ password: "" }, RangeError],
    [{ serverAddress: "host" }, TypeError],
    [{ salt: "x".repeat(250) }, RangeError],
  ];
  for (const [change, error] of cases) {
    await assert.rejects(
      createLegacyRequest({ ...base, ...change } as LegacyOptions),
      error,
      JSON.stringify(change),
    );
  }
  await assert.rejects(
    verifyLegacyRequest("pw", new Uint8Array(1), {
      serverAddress: "192.0.2.7",
      state: {} as never,
    }),
    TypeError,
  );
});

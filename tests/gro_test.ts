/**
 * GRO can merge datagrams of one flow into one skb before LOCAL_IN: on the
 * 6.18 test kernel, two requests of the same size sent back to back reached
 * the target as one payload of twice the size, and both were lost (legacy:
 * bad_format; v2: oversize). The target must judge every datagram in such
 * an skb: here two legacy and two v2 requests, each pair back to back, are
 * all accepted. GRO also puts one shorter datagram behind longer ones: a
 * request sent right after a payload too long to be one (seen in the junk
 * scenario of sysrq_test.ts) was lost with it; it must be judged too.
 *
 * It boots $NSR_KERNEL if set, else an installed 6.18 kernel, the one seen
 * merging (Debian's 6.1 and 6.12 did not, with e1000 and QEMU user
 * networking); without one it is ignored and says so. Needs root. It lives
 * beside the QEMU suite, whose harness it uses.
 *
 * @module
 */
import assert from "node:assert/strict";
import { createLegacyRequest } from "../mod.ts";
import { Vm } from "./qemu/vm.ts";
import { rearm } from "./qemu/_suite.ts";
import {
  type Counters,
  counters,
  delta,
  judged,
  Sender,
} from "./qemu/_packets.ts";

function mergingKernel(): string | undefined {
  const fromEnv = Deno.env.get("NSR_KERNEL");
  if (fromEnv) return fromEnv;
  try {
    return [...Deno.readDirSync("/boot")]
      .map((e) => e.name.match(/^vmlinuz-(6\.18\.\S+)$/)?.[1])
      .find((v) => v !== undefined);
  } catch {
    return undefined;
  }
}

const kernel = mergingKernel();
/** Above the longest request (72 bytes) and any legacy one (256). */
const OVERSIZE = 300;
const isRoot = Deno.uid() === 0;
if (!kernel) {
  console.log("gro_test.ts: no 6.18 kernel installed (and no NSR_KERNEL)");
}

/** Counters once `n` more packets are judged, or after 15 s. */
async function afterJudged(vm: Vm, before: Counters, n: number) {
  const deadline = Date.now() + 15_000;
  while (true) {
    const now = await counters(vm);
    if (judged(before, now) >= n || Date.now() > deadline) return now;
    await new Promise((r) => setTimeout(r, 200));
  }
}

Deno.test({
  name: "requests GRO merged into one skb are each judged (6.18)",
  ignore: !kernel || !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const vm = await Vm.boot({ kernel });
    try {
      await rearm(vm, ["--sysrq-legacy"]);
      const sender = await Sender.forPassword(vm.password!, vm.address());
      await sender.probe(vm);
      // Above the legacy counter, which starts at the guest's clock.
      const seqno = Math.floor(Date.now() / 1000) + 5;
      const legacy = await Promise.all([0, 1].map((i) =>
        createLegacyRequest({
          password: vm.password!,
          keys: "h",
          seqno: seqno + i,
          salt: "bm90LWEtcmVhbC1zYWx0",
          serverAddress: vm.address(),
          hash: "sha256",
        })
      ));
      const sent = [sender.request("h"), sender.request("h")];
      const v2 = sent.map((s) => s.packet);
      const pairs: [string, Uint8Array[]][] = [["legacy", legacy], ["v2", v2]];
      for (const [name, pair] of pairs) {
        assert.equal(pair[0].length, pair[1].length, "a pair of one size");
        const before = await counters(vm);
        const replies = await vm.exchange(pair, {
          timeoutMs: 2_000,
          want: name === "v2" ? 2 : 0,
        });
        const d = delta(before, await afterJudged(vm, before, 2));
        assert.equal(d.accepted, 2, `${name} pair: ${JSON.stringify(d)}`);
        if (name === "v2") {
          for (const s of sent) {
            assert.equal(sender.repliesTo(s, replies).length, 1, "its ack");
          }
        }
      }
      vm.assertCleanConsole();
    } finally {
      await vm.shutdown();
    }
  },
});

Deno.test({
  name: "a request GRO merged behind an oversized datagram is judged (6.18)",
  ignore: !kernel || !isRoot,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const vm = await Vm.boot({ kernel });
    try {
      const sender = await Sender.forPassword(vm.password!, vm.address());
      await sender.probe(vm);
      // Several rounds: GRO merges only what one NAPI poll finds queued.
      for (const legacy of [false, true]) {
        if (legacy) await rearm(vm, ["--sysrq-legacy"]);
        const before = await counters(vm);
        const sent = [0, 1, 2].map(() => sender.request("h"));
        const packets = sent.flatMap((s) => [
          crypto.getRandomValues(new Uint8Array(OVERSIZE)),
          s.packet,
        ]);
        const replies = await vm.exchange(packets, {
          want: sent.length,
          gapMs: 0,
          timeoutMs: 10_000,
        });
        const d = delta(before, await afterJudged(vm, before, sent.length));
        const what = `${legacy ? "legacy" : "v2"} rule: ${JSON.stringify(d)}`;
        assert.equal(d.accepted, sent.length, what);
        assert.equal(d.oversize, sent.length, what);
        for (const s of sent) {
          assert.equal(sender.repliesTo(s, replies).length, 1, "its ack");
        }
      }
      vm.assertCleanConsole();
    } finally {
      await vm.shutdown();
    }
  },
});

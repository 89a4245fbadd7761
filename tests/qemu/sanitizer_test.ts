/**
 * The sanitizer run's own scenarios (issue 13), on a kernel built with
 * KASAN, lockdep and PROVE_RCU, UBSAN, KFENCE, DEBUG_ATOMIC_SLEEP and
 * kmemleak (6.18.35-nsr-debug): a 50,000-packet flood on two CPUs while
 * the module is unloaded and reloaded (its rescue thread made and stopped
 * each time), given new passwords and its server keys written, added and
 * removed (sysfs writes), the flood carrying info probes and requests
 * under a server key beside the junk; one request raced on both CPUs; a
 * request asking for output (off without the AEAD library, and the module
 * says so); a kmemleak scan once the module is gone; last, the safe-reboot
 * flags: refused by the rule, then ONLY_IF_SYNCED on a healthy guest, which
 * syncs, freezes and really reboots it. Packets are spread over both CPUs
 * (RPS), so the target really runs on two at once. Every scenario's console
 * check (guest_console.ts) fails it on any sanitizer report, up to the
 * reboot for the last; the other files of tests/qemu/ are the rest of the
 * run on the same kernel (NSR_KERNEL). Elsewhere these scenarios are
 * skipped, saying why.
 *
 * @module
 */

import assert from "node:assert";
import { deriveKeyBytes, KeyStatus } from "../../mod.ts";
import {
  assertAck,
  type Counters,
  counters,
  delta,
  floodJunk,
  judged,
  type Sender,
} from "./_packets.ts";
import { rearm, reload, rewritePassword, Suite } from "./_suite.ts";
import {
  entry,
  keySender,
  mustWriteKeys,
  randomServerKey,
  type ServerKey,
} from "./_keys.ts";
import { infoProbe, type ProbeKey } from "./_info_probe.ts";
import {
  ACK_OUTPUT_FOLLOWS,
  CAP_OUTPUT,
  kernelHasAead,
  OutputReceiver,
} from "./_output.ts";
import { sendSafeReboot } from "./_safe_reboot.ts";
import { shellQuote } from "./control_channel.ts";
import { fromHex } from "../../core/hex.ts";
import {
  isOurs,
  kmemleakClear,
  kmemleakScan,
  moduleRange,
} from "./kmemleak.ts";
import type { Vm } from "./vm.ts";
import { testPassword } from "../_testing.ts";

const FLOOD = 50_000;
const suite = new Suite({ smp: 2 });
const needs = { sanitizers: true };
const PARAMS = "/sys/module/xt_SYSRQ/parameters";

/**
 * Packets the target saw since the module was loaded: judged, and dropped
 * before the ladder (not ours, oversize, malformed…).
 */
function seenByTarget(c: Counters): number {
  return judged({}, c) +
    ["malformed_udp", "fragment", "oversize", "not_unicast", "not_ours"]
      .reduce((n, name) => n + (c[name] ?? 0), 0);
}

/** Receive packet steering over both CPUs: flows land on either. */
async function spreadOverCpus(vm: Vm): Promise<void> {
  await vm.must("echo 3 > /sys/class/net/eth0/queues/rx-0/rps_cpus");
}

/**
 * The flood: junk (floodJunk), and in turn requests under server key `k`
 * with a wrong tag (the key lookup runs while the keys are rewritten; a
 * bad tag, or unknown_key while `k` is out) and info probes under the
 * password's key and under `k` (answered while their key is in).
 */
async function floodPackets(
  sender: Sender,
  k: ServerKey,
  vm: Vm,
): Promise<Uint8Array[]> {
  const keyed = keySender(k, vm).follow(sender);
  const byPassword: ProbeKey = {
    keyBytes: await deriveKeyBytes(vm.password!),
    keyId: 0,
    address: vm.address(),
  };
  const byKey: ProbeKey = {
    keyBytes: fromHex(k.keyHex),
    keyId: k.id,
    address: vm.address(),
  };
  const packets: Uint8Array[] = [];
  for (let i = 0; i < FLOOD; i++) {
    if (i % 100 === 50) {
      packets.push(
        (await infoProbe(i % 200 === 50 ? byPassword : byKey)).packet,
      );
    } else if (i % 10 === 5) {
      const p = keyed.request("s", { timestamp: keyed.now() }).packet;
      p[p.length - 1] ^= 1;
      packets.push(p);
    } else {
      packets.push(floodJunk(sender, i));
    }
  }
  return packets;
}

/** Writes, adds and removes server keys: `k` is in afterwards. */
async function churnKeys(vm: Vm, k: ServerKey): Promise<void> {
  const other = await randomServerKey((k.id ^ 1) >>> 0);
  await mustWriteKeys(vm, entry(other));
  await mustWriteKeys(vm, `+${entry(k)}`);
  await mustWriteKeys(vm, `-${other.idHex}`);
}

suite.scenario(
  "sanitizers: 50,000-packet flood on two CPUs with unload/reload, password and key changes mid-flood",
  async (vm, sender, mark) => {
    assert.match(await vm.must("grep -c ^processor /proc/cpuinfo"), /^2/);
    await spreadOverCpus(vm);
    // Boot-time reports are not ours to judge: the last scenario scans.
    await kmemleakClear(vm);
    const k = await randomServerKey(
      (0x80000000 | crypto.getRandomValues(new Uint32Array(1))[0]) >>> 0,
    );
    const packets = await floodPackets(sender, k, vm);
    const started = performance.now();
    let sent = false;
    // Paced to the debug kernel (~500 packets/s), so the flood lasts as
    // long as the unload/reload, password and key cycles run beside it.
    const flood = vm.exchange(packets, { timeoutMs: 0, burst: 25, gapMs: 50 })
      .finally(() => sent = true);
    const password = vm.password!;
    let cycles = 0;
    let seen = 0;
    const total: Counters = {};
    const add = (c: Counters) => {
      seen += seenByTarget(c);
      for (const [name, n] of Object.entries(c)) {
        total[name] = (total[name] ?? 0) + n;
      }
    };
    while (!sent || cycles < 2) {
      // What the module judged since it was loaded, before it goes.
      add(await counters(vm));
      await reload(vm, password);
      await rewritePassword(vm, testPassword());
      await rewritePassword(vm, password);
      await churnKeys(vm, k);
      cycles++;
    }
    await flood;
    add(await counters(vm));
    console.log(
      `  ${FLOOD} sent in ${Math.round(performance.now() - started)} ms; ` +
        `${cycles} unload/reload, password and key cycles; the target saw ` +
        `${seen}: info probes answered ${total.probes_info ?? 0}, ` +
        `unknown key ${total.unknown_key ?? 0}`,
    );
    assert.ok(seen > 0, "the flood reached the target between reloads");
    assert.ok((total.probes_info ?? 0) > 0, "info probes answered mid-flood");
    assert.ok((total.unknown_key ?? 0) > 0, "the key was out at times");
    await sender.probe(vm);
    const after = sender.request("h");
    assertAck(sender, after, await vm.exchange([after.packet], { want: 1 }), [
      KeyStatus.EXECUTED,
    ]);
    await vm.waitFor(/sysrq: HELP/, { since: mark });
    // The key the last cycle put in works.
    const keyed = keySender(k, vm);
    await keyed.probe(vm);
    const byKey = keyed.request("h");
    assertAck(keyed, byKey, await vm.exchange([byKey.packet], { want: 1 }), [
      KeyStatus.EXECUTED,
    ]);
  },
  { needs },
);

suite.scenario(
  "sanitizers: one request raced from four sockets on two CPUs runs once",
  async (vm, sender, mark) => {
    await spreadOverCpus(vm);
    const before = await counters(vm);
    const sent = sender.request("h");
    // Four sockets, four flows: RPS hands them to both CPUs at once.
    const copies = Array(50).fill(sent.packet);
    const replies = (await Promise.all(
      [0, 1, 2, 3].map(() => vm.exchange(copies, { timeoutMs: 5_000 })),
    )).flat();
    const d = delta(before, await counters(vm));
    console.log(`  200 copies: ${JSON.stringify(d)}`);
    assert.equal(d.accepted, 1, "accepted once");
    assert.equal(d.keys_executed, 1, "h ran once");
    const acks = sender.repliesTo(sent, replies).filter((r) =>
      r.type === "ack"
    );
    assert.ok(acks.length >= 1, "acked");
    await vm.waitFor(/sysrq: HELP/, { since: mark });
    assert.equal(vm.consoleSince(mark).match(/sysrq: HELP/g)?.length, 1);
  },
  { needs },
);

suite.scenario(
  "sanitizers: a request asking for output, with output off without the AEAD library",
  async (vm) => {
    const aead = kernelHasAead();
    if (!aead) {
      // Said at every load, the reloads of the flood's included.
      assert.match(
        vm.consoleText(),
        /no output: this kernel has no ChaCha20-Poly1305 library/,
      );
    }
    const r = new OutputReceiver(vm.password!, vm.address("v4"));
    const probe = r.probe(true);
    const clock = r.learn(probe, await vm.exchange([probe], { want: 1 }));
    assert.equal(((clock.info?.[3] ?? 0) & CAP_OUTPUT) !== 0, aead);
    // The output buffer resized (and, without the library, left empty).
    await vm.must(
      `echo 8 >${PARAMS}/output_max && echo 64 >${PARAMS}/output_max`,
    );
    const req = r.request("h");
    const replies = await vm.exchange([req.packet], {
      stopWhen: aead ? r.complete(req) : (rs) => r.ack(req, rs) !== undefined,
      timeoutMs: 10_000,
    });
    const ack = r.ack(req, replies);
    assert.ok(ack, "acked");
    assert.deepEqual(ack.statuses, [0], "h executed");
    assert.equal((ack.flags & ACK_OUTPUT_FOLLOWS) !== 0, aead);
    const out = r.output(req, replies);
    if (aead) assert.ok(out.text, "the output came, complete");
    else assert.equal(out.messages.length + out.forged, 0, "no output");
  },
  { needs },
);

suite.scenario(
  "sanitizers: kmemleak finds nothing of ours after the module is unloaded",
  async (vm) => {
    const range = await moduleRange(vm);
    await vm.must("nsr unload", 60_000);
    const reports = await kmemleakScan(vm);
    const ours = reports.filter((r) => isOurs(r, range));
    for (const r of reports) {
      console.log(`  kmemleak${isOurs(r, range) ? " (OURS)" : ""}:\n${r}`);
    }
    console.log(
      `  kmemleak: ${reports.length} report(s), ${ours.length} from xt_SYSRQ`,
    );
    assert.deepEqual(ours, [], "no leak from xt_SYSRQ");
  },
  { needs },
);

suite.scenario(
  "sanitizers: safe reboot refused by the rule, then ONLY_IF_SYNCED syncs, freezes and reboots",
  async (vm, _sender, mark) => {
    // The module is back after the kmemleak scenario's unload, b not
    // allowed by the rule: the flags parsed, the request refused.
    await vm.must(`NSR_PASSWORD=${shellQuote(vm.password!)} nsr load`, 60_000);
    await rearm(vm, ["--sysrq-keys", "hs"]);
    const refused = await sendSafeReboot(vm, { onlyIfSynced: true });
    assert.ok(refused.acked, "acked");
    assert.equal(refused.status, String(KeyStatus.REFUSED_BY_RULE));
    assert.equal(await vm.waitExit(1_000), false, "the guest stays up");
    await rearm(vm);
    const exited = vm.waitExit(vm.budget(30_000));
    const sent = await sendSafeReboot(vm, { onlyIfSynced: true });
    assert.ok(sent.acked, "the safe reboot was acked");
    assert.ok(await exited, "the guest rebooted");
    const text = vm.consoleSince(mark);
    assert.match(text, /safe reboot: sync done/);
    assert.match(text, /safe reboot: freeze done/);
    assert.doesNotMatch(text, /a step failed: not rebooting/);
    // The console check after this runs up to the reboot.
  },
  { needs },
);

suite.shutdownTest();

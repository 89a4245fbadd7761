/**
 * The sanitizer run's own scenarios (issue 13), on a kernel built with
 * KASAN, lockdep and PROVE_RCU, UBSAN, KFENCE, DEBUG_ATOMIC_SLEEP and
 * kmemleak (6.18.35-nsr-debug): a 50,000-packet flood on two CPUs while
 * the module is unloaded, reloaded and given new passwords (sysfs writes),
 * one request raced on both CPUs, and a kmemleak scan once the module is
 * gone. Packets are spread over both CPUs (RPS), so the target really runs
 * on two at once. Every scenario's console check (guest_console.ts) fails
 * it on any sanitizer report; the other files of tests/qemu/ are the rest
 * of the run on the same kernel (NSR_KERNEL). Elsewhere these scenarios
 * are skipped, saying why.
 *
 * @module
 */

import assert from "node:assert";
import { KeyStatus } from "../../mod.ts";
import {
  assertAck,
  type Counters,
  counters,
  delta,
  floodJunk,
  judged,
} from "./_packets.ts";
import { reload, rewritePassword, Suite } from "./_suite.ts";
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

suite.scenario(
  "sanitizers: 50,000-packet flood on two CPUs with unload/reload and password changes mid-flood",
  async (vm, sender, mark) => {
    assert.match(await vm.must("grep -c ^processor /proc/cpuinfo"), /^2/);
    await spreadOverCpus(vm);
    // Boot-time reports are not ours to judge: the last scenario scans.
    await kmemleakClear(vm);
    const packets: Uint8Array[] = [];
    for (let i = 0; i < FLOOD; i++) packets.push(floodJunk(sender, i));
    const started = performance.now();
    let sent = false;
    // Paced to the debug kernel (~500 packets/s), so the flood lasts as
    // long as the unload/reload and password cycles run beside it.
    const flood = vm.exchange(packets, { timeoutMs: 0, burst: 25, gapMs: 50 })
      .finally(() => sent = true);
    const password = vm.password!;
    let cycles = 0;
    let seen = 0;
    while (!sent || cycles < 2) {
      // What the module judged since it was loaded, before it goes.
      seen += seenByTarget(await counters(vm));
      await reload(vm, password);
      await rewritePassword(vm, testPassword());
      await rewritePassword(vm, password);
      cycles++;
    }
    await flood;
    seen += seenByTarget(await counters(vm));
    console.log(
      `  ${FLOOD} sent in ${Math.round(performance.now() - started)} ms; ` +
        `${cycles} unload/reload and password cycles; the target saw ${seen}`,
    );
    assert.ok(seen > 0, "the flood reached the target between reloads");
    await sender.probe(vm);
    const after = sender.request("h");
    assertAck(sender, after, await vm.exchange([after.packet], { want: 1 }), [
      KeyStatus.EXECUTED,
    ]);
    await vm.waitFor(/sysrq: HELP/, { since: mark });
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

suite.shutdownTest();

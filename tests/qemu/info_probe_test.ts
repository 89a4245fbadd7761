/**
 * The info probe (`send_sysrq --check`, issues 14 and 17) against the real
 * module: answered under the probe's key (a server key, or the password's)
 * with the module's version, `kernel.sysrq`, the tolerance and the keys
 * the rule allows — each fact changed in the guest and seen to change in
 * the answer — and it runs nothing: the console shows no SysRq line and
 * only the probe counters move. A probe with a padding byte set, under an
 * unknown key id or with a bad tag gets no answer. The packets are built
 * and read here from PROTOCOL.md's tables (_info_probe.ts).
 *
 * @module
 */

import assert from "node:assert";
import { deriveKeyBytes } from "../../mod.ts";
import { fromHex } from "../../core/hex.ts";
import { counters, delta } from "./_packets.ts";
import { rearm, Suite } from "./_suite.ts";
import {
  adminSecret,
  entry,
  mustWriteKeys,
  randomServerKey,
  type ServerKey,
  serverKey,
} from "./_keys.ts";
import {
  ALL_KEYS,
  INFO_LEN,
  type InfoFacts,
  infoProbe,
  type ProbeKey,
  readInfoAnswer,
} from "./_info_probe.ts";
import type { Vm } from "./vm.ts";

const suite = new Suite({ ruleOptions: ["--sysrq-keys", "hs"] });
const TOLERANCE = "/sys/module/xt_SYSRQ/parameters/tolerance";
const OUTPUT_MAX = "/sys/module/xt_SYSRQ/parameters/output_max";
function probeKey(k: ServerKey, vm: Vm): ProbeKey {
  return {
    keyBytes: fromHex(k.keyHex),
    keyId: k.id,
    address: vm.address(),
  };
}

/**
 * Sends an info probe; returns its answer's facts (or throws why not).
 * Asserts it ran nothing: the counters moved for one info probe only, and
 * the console shows nothing from the probe's start to after its answer.
 */
async function ask(vm: Vm, key: ProbeKey): Promise<InfoFacts> {
  const before = await counters(vm);
  const mark = await vm.settledMark();
  const { packet, nonce } = await infoProbe(key);
  const replies = await vm.exchange([packet], { want: 1 });
  assert.equal(replies.length, 1, "one answer to an info probe");
  const facts = await readInfoAnswer(key, nonce, replies[0]);
  if (typeof facts === "string") throw new Error(`info answer: ${facts}`);
  await vm.settledMark();
  const lines = vm.consoleSince(mark).split("\n").filter((l) =>
    l.trim() !== "" && !l.includes("NSR-MARK")
  );
  assert.deepEqual(lines, [], "the console after an info probe");
  assert.deepEqual(
    delta(before, await counters(vm)),
    { probe_answered: 1, probes_info: 1, clocks_sent: 1 },
    "counters after an info probe",
  );
  return facts;
}

/** The module version as the guest's sysfs shows it, as three numbers. */
async function moduleVersion(vm: Vm): Promise<number[]> {
  const text = (await vm.must("cat /sys/module/xt_SYSRQ/version")).trim();
  const m = text.match(/^(\d+)\.(\d+)\.(\d+)/);
  assert.ok(m, `module version "${text}"`);
  return m.slice(1).map(Number);
}

/** Asserts the facts agree with what the guest says about itself. */
async function assertFacts(
  vm: Vm,
  facts: InfoFacts,
  want: { ruleKeys: string; noAck?: boolean },
): Promise<void> {
  const sysrq = Number((await vm.must("cat /proc/sys/kernel/sysrq")).trim());
  const tolerance = Number((await vm.must(`cat ${TOLERANCE}`)).trim());
  assert.deepEqual(facts.version, await moduleVersion(vm));
  assert.equal(facts.sysrq, sysrq);
  assert.equal(facts.toleranceS, Math.min(tolerance, 65535));
  assert.equal(facts.ruleKeys, [...want.ruleKeys].sort().join(""));
  assert.equal(facts.noAck, want.noAck ?? false);
  assert.equal(facts.legacy, false);
  assert.deepEqual(facts.reserved, [0, 0, 0, 0]);
}

suite.scenario(
  "info probe under a server key: version, kernel.sysrq, tolerance, rule keys; nothing runs",
  async (vm) => {
    const k = await serverKey(adminSecret(), "info");
    await mustWriteKeys(vm, entry(k));
    await rearm(vm, ["--sysrq-keys", "hs"]);
    await vm.must(`echo 176 >/proc/sys/kernel/sysrq && echo 90 >${TOLERANCE}`);
    const facts = await ask(vm, probeKey(k, vm));
    console.log(`  facts: ${JSON.stringify(facts)}`);
    assert.equal(facts.sysrq, 176);
    assert.equal(facts.toleranceS, 90);
    await assertFacts(vm, facts, { ruleKeys: "hs" });
  },
);

suite.scenario(
  "info probe: each fact follows the guest (rule, kernel.sysrq, tolerance over 65535)",
  async (vm) => {
    const k = await randomServerKey(0x8badf00d);
    await mustWriteKeys(vm, entry(k));
    const outputMax = (await vm.must(`cat ${OUTPUT_MAX}`)).trim();
    await rearm(vm, ["--sysrq-no-ack", "--sysrq-keys", "b0~!"]);
    await vm.must(`echo 1 >/proc/sys/kernel/sysrq && echo 70000 >${TOLERANCE}`);
    const facts = await ask(vm, probeKey(k, vm));
    assert.equal(facts.sysrq, 1);
    assert.equal(facts.toleranceS, 65535, "a tolerance over 65535 s");
    // A rule that answers nothing sends no output either.
    assert.equal(facts.output, false, "output on a --sysrq-no-ack rule");
    await assertFacts(vm, facts, { ruleKeys: "b0~!", noAck: true });
    // A rule without --sysrq-keys allows all 94 keys.
    await rearm(vm, []);
    await vm.must(`echo 438 >/proc/sys/kernel/sysrq && echo 60 >${TOLERANCE}`);
    const all = await ask(vm, probeKey(k, vm));
    await assertFacts(vm, all, { ruleKeys: ALL_KEYS });
    assert.equal(all.sysrq, 438);
    // Output off (output_max 0): the bit says so.
    await vm.must(`echo 0 >${OUTPUT_MAX}`);
    assert.equal(
      (await ask(vm, probeKey(k, vm))).output,
      false,
      "output_max 0",
    );
    await vm.must(`echo ${outputMax} >${OUTPUT_MAX}`);
  },
);

suite.scenario(
  "info probe under the password's key (the address in the MAC) is answered too",
  async (vm) => {
    const key: ProbeKey = {
      keyBytes: await deriveKeyBytes(vm.password!),
      keyId: 0,
      address: vm.address(),
    };
    await rearm(vm, ["--sysrq-keys", "hs"]);
    await assertFacts(vm, await ask(vm, key), { ruleKeys: "hs" });
  },
);

suite.scenario(
  "info probe: a padding byte set, an unknown key id or a bad tag gets no answer",
  async (vm) => {
    const k = await serverKey(adminSecret(), "info");
    await mustWriteKeys(vm, entry(k));
    const key = probeKey(k, vm);
    const padded = new Uint8Array(INFO_LEN);
    padded[INFO_LEN - 1] = 1;
    const unknown = { ...key, keyId: (k.id ^ 1) >>> 0 };
    const wrongKey = {
      ...key,
      keyBytes: fromHex((await randomServerKey(k.id)).keyHex),
    };
    const cases: [string, Uint8Array, string][] = [
      [
        "padding byte set",
        (await infoProbe(key, padded)).packet,
        "bad_key_char",
      ],
      ["unknown key id", (await infoProbe(unknown)).packet, "unknown_key"],
      ["bad tag", (await infoProbe(wrongKey)).packet, "bad_mac"],
    ];
    for (const [name, packet, verdict] of cases) {
      const before = await counters(vm);
      const replies = await vm.exchange([packet], { timeoutMs: 1_500 });
      assert.equal(replies.length, 0, `${name}: answered`);
      const d = delta(before, await counters(vm));
      assert.deepEqual(d, { [verdict]: 1 }, `${name}: ${JSON.stringify(d)}`);
    }
  },
);

suite.shutdownTest();

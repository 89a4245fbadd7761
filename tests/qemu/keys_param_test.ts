/**
 * The module's `keys` parameter (issue 14) with the real module: server keys
 * installed at runtime, used by the real kernel's verifier, named in the
 * log; reading the parameter shows ids only; every bad write is refused
 * with a message saying what was wrong and changes nothing (the installed
 * ids read back the same, a request with an installed key is still acked,
 * a key of the refused write is not installed). Keys are generated per run
 * and never reach the console: the writes go over the control channel,
 * and the console is searched for them.
 *
 * @module
 */

import assert from "node:assert";
import { KeyStatus } from "../../mod.ts";
import {
  acceptedLine,
  assertAck,
  counters,
  delta,
  type Sender,
} from "./_packets.ts";
import { rewritePassword, Suite } from "./_suite.ts";
import {
  adminSecret,
  entry,
  idHex,
  installedIds,
  KEYS_PARAM,
  keySender,
  mustWriteKeys,
  randomServerKey,
  readKeys,
  type ServerKey,
  serverKey,
  writeKeys,
} from "./_keys.ts";
import type { Vm } from "./vm.ts";

const suite = new Suite();
const MAX_KEYS = 8;

/** Every key made by this file, to prove none reaches the console. */
const made: ServerKey[] = [];

async function fresh(identity = "guest"): Promise<ServerKey> {
  const k = await serverKey(adminSecret(), identity);
  made.push(k);
  return k;
}

async function withId(id: number): Promise<ServerKey> {
  const k = await randomServerKey(id);
  made.push(k);
  return k;
}

/**
 * A Sender for server key `k`: its own probe must be answered (under `k`)
 * with the state `password` knows (a key change never renews the replay
 * state); then it stamps from `password`'s clock, which all share.
 */
async function ready(
  vm: Vm,
  k: ServerKey,
  password: Sender,
): Promise<Sender> {
  const sender = keySender(k, vm);
  const clock = await sender.probe(vm);
  assert.deepEqual(
    clock.bootId,
    password.clock?.bootId,
    "a key write renewed the replay state",
  );
  return sender.follow(password);
}

/** Sends one request 'h' with `sender` and returns the replies to it. */
async function ask(vm: Vm, sender: Sender) {
  const sent = sender.request("h");
  const replies = await vm.exchange([sent.packet], { want: 1 });
  return { sent, replies };
}

/** Asserts that `sender`'s request is acked, its key having run. */
async function assertAcked(vm: Vm, sender: Sender): Promise<void> {
  const { sent, replies } = await ask(vm, sender);
  assertAck(sender, sent, replies, [KeyStatus.EXECUTED]);
}

/**
 * Asserts that `sender`'s request gets no answer and is counted as
 * UNKNOWN_KEY (dropped at rung K, before any hash).
 */
async function assertUnknown(vm: Vm, sender: Sender): Promise<void> {
  const before = await counters(vm);
  const sent = sender.request("h");
  const replies = await vm.exchange([sent.packet], { timeoutMs: 1_500 });
  assert.equal(replies.length, 0, "a request under an unknown key answered");
  const d = delta(before, await counters(vm));
  assert.equal(d.unknown_key, 1, JSON.stringify(d));
  assert.equal(d.accepted ?? 0, 0, JSON.stringify(d));
}

/** Asserts that no key made by this file appears on the console. */
function assertNoKeyOnConsole(vm: Vm): void {
  const text = vm.consoleText().toLowerCase();
  for (const k of made) {
    // Any 16 consecutive hex digits of a key would be a leak.
    for (let i = 0; i + 16 <= 64; i += 8) {
      assert.ok(
        !text.includes(k.keyHex.slice(i, i + 16)),
        "a server key appeared on the console",
      );
    }
  }
}

suite.scenario(
  "keys: a server key installed at runtime is used; the log names its id",
  async (vm, password, mark) => {
    const k = await fresh();
    await mustWriteKeys(vm, entry(k));
    const sender = await ready(vm, k, password);
    await assertAcked(vm, sender);
    await vm.waitFor(
      new RegExp(acceptedLine("h").source + `.*\\bkey ${k.idHex}\\b`),
      { since: mark },
    );
    await assertAcked(vm, password);
    await vm.waitFor(
      new RegExp(acceptedLine("h").source + ".*\\bpassword\\b"),
      { since: mark },
    );
    assertNoKeyOnConsole(vm);
  },
);

suite.scenario(
  "keys: reading shows the ids only; the parameter is root's alone (0600)",
  async (vm) => {
    const keys = [await fresh("a"), await fresh("b"), await fresh("c")];
    await mustWriteKeys(vm, keys.map(entry).join(","));
    const text = await readKeys(vm);
    assert.match(text, /^[0-9a-f]{8}(,[0-9a-f]{8})*\n?$/, text);
    assert.deepEqual(
      (await installedIds(vm)).toSorted(),
      keys.map((k) => k.idHex).toSorted(),
    );
    for (const k of keys) assert.ok(!text.includes(k.keyHex.slice(0, 16)));
    assert.equal((await vm.must(`stat -c %a ${KEYS_PARAM}`)).trim(), "600");
    // "+ID:KEY" adds one, "-ID" removes one, "" clears.
    const d = await fresh("d");
    await mustWriteKeys(vm, `+${entry(d)}`);
    assert.equal((await installedIds(vm)).length, 4);
    await mustWriteKeys(vm, `-${keys[0].idHex}`);
    assert.deepEqual(
      (await installedIds(vm)).toSorted(),
      [keys[1], keys[2], d].map((k) => k.idHex).toSorted(),
    );
    await mustWriteKeys(vm, "");
    assert.deepEqual(await installedIds(vm), []);
    assertNoKeyOnConsole(vm);
  },
);

suite.scenario(
  "keys: a removed key's request is dropped unanswered, as UNKNOWN_KEY",
  async (vm, password) => {
    const k = await fresh();
    await mustWriteKeys(vm, entry(k));
    const sender = await ready(vm, k, password);
    await assertAcked(vm, sender);
    await mustWriteKeys(vm, `-${k.idHex}`);
    await assertUnknown(vm, sender);
  },
);

/** One bad write, what its message must say, and what it must not do. */
interface BadWrite {
  name: string;
  value: (installed: ServerKey, spare: ServerKey) => string;
  message: RegExp;
}

const KEY = "a".repeat(64);
const BAD_WRITES: BadWrite[] = [
  {
    name: "a key of 63 hex digits",
    value: (_, s) => `${s.idHex}:${s.keyHex.slice(1)}`,
    message: /64 hex/,
  },
  {
    name: "a key of 65 hex digits",
    value: (_, s) => `${s.idHex}:${s.keyHex}0`,
    message: /64 hex/,
  },
  {
    name: "a key with a non-hex digit",
    value: (_, s) => `${s.idHex}:${s.keyHex.slice(0, 63)}g`,
    message: /hex/,
  },
  {
    name: "a key in base64",
    value: (_, s) => `${s.idHex}:${btoa("x".repeat(32))}`,
    message: /hex/,
  },
  {
    name: "key id 0 (the password's)",
    value: () => `00000000:${KEY}`,
    message: /id/,
  },
  {
    name: "a key id without its top bit",
    value: () => `7fffffff:${KEY}`,
    message: /id/,
  },
  {
    name: "a key id of 7 digits",
    value: () => `8000001:${KEY}`,
    message: /id/,
  },
  {
    name: "no colon",
    value: (_, s) => `${s.idHex}${s.keyHex}`,
    message: /id|:/,
  },
  {
    name: "the same id twice in one set",
    value: (_, s) => `${entry(s)},${s.idHex}:${KEY}`,
    message: /duplicate|twice|already/,
  },
  {
    name: "adding an id already installed",
    value: (i) => `+${i.idHex}:${KEY}`,
    message: /duplicate|twice|already/,
  },
  {
    name: "removing an id not installed",
    value: (_, s) => `-${s.idHex}`,
    message: /not installed|unknown|no key/,
  },
  {
    name: "a good key, then a bad one (nothing of it installed)",
    value: (_, s) => `${entry(s)},80000001:${KEY.slice(1)}`,
    message: /64 hex/,
  },
  {
    name: "nine keys",
    value: (_, s) =>
      [
        entry(s),
        ...Array.from(
          { length: MAX_KEYS },
          (_, i) => `${idHex(0x90000000 + i)}:${KEY}`,
        ),
      ].join(","),
    message: /8/,
  },
];

suite.scenario(
  "keys: every bad write is refused, says why, and changes nothing",
  async (vm, password, mark) => {
    const installed = await fresh("installed");
    await mustWriteKeys(vm, entry(installed));
    const sender = await ready(vm, installed, password);
    const failures: string[] = [];
    for (const bad of BAD_WRITES) {
      const spare = await fresh("spare");
      const at = await vm.settledMark();
      const { code } = await writeKeys(
        vm,
        bad.value(installed, spare),
      );
      const log = (await vm.settledMark(), vm.consoleSince(at));
      const lines = log.split("\n").filter((l) => /xt_SYSRQ/.test(l));
      const problems = [
        code === 0 ? "the write succeeded" : "",
        lines.some((l) => bad.message.test(l))
          ? ""
          : `no message ${bad.message} in ${JSON.stringify(lines)}`,
        JSON.stringify(await installedIds(vm)) ===
            JSON.stringify([installed.idHex])
          ? ""
          : `installed ids now ${await readKeys(vm)}`,
      ].filter((p) => p !== "");
      if (problems.length) failures.push(`${bad.name}: ${problems.join("; ")}`);
      else console.log(`  ${bad.name}: ${lines.at(-1)?.trim()}`);
      // The key set still works, and the refused write's key does not.
      await assertAcked(vm, sender);
      if (bad.name.startsWith("a good key")) {
        await assertUnknown(vm, keySender(spare, vm).follow(password));
      }
    }
    await assertAcked(vm, password);
    assert.deepEqual(failures, []);
    assert.doesNotMatch(vm.consoleSince(mark), /Oops|WARNING|BUG/);
    assertNoKeyOnConsole(vm);
  },
);

suite.scenario(
  "keys: eight keys work; a ninth is refused and the eight still work",
  async (vm, password) => {
    const keys: ServerKey[] = [];
    for (let i = 0; i < MAX_KEYS; i++) keys.push(await withId(0xa0000000 + i));
    await mustWriteKeys(vm, keys.map(entry).join(","));
    const ninth = await withId(0xa0000000 + MAX_KEYS);
    const { code } = await writeKeys(vm, `+${entry(ninth)}`);
    assert.notEqual(code, 0, "a ninth key was added");
    assert.equal((await installedIds(vm)).length, MAX_KEYS);
    for (const k of [keys[0], keys[MAX_KEYS - 1]]) {
      await assertAcked(vm, await ready(vm, k, password));
    }
    await assertUnknown(vm, keySender(ninth, vm).follow(password));
    await mustWriteKeys(vm, "");
    assertNoKeyOnConsole(vm);
  },
);

suite.scenario(
  "keys: an id that exists with the wrong key is BAD_MAC, unanswered",
  async (vm, password) => {
    const k = await fresh("right");
    await mustWriteKeys(vm, entry(k));
    const right = await ready(vm, k, password);
    const wrong = keySender(await withId(k.id), vm).follow(password);
    const before = await counters(vm);
    const sent = wrong.request("h");
    const replies = await vm.exchange([sent.packet], { timeoutMs: 1_500 });
    assert.equal(replies.length, 0);
    const d = delta(before, await counters(vm));
    assert.equal(d.bad_mac, 1, JSON.stringify(d));
    await assertAcked(vm, right);
  },
);

suite.scenario(
  "keys only, no password: key requests acked, the password's dropped",
  async (vm, password) => {
    const k = await fresh();
    await mustWriteKeys(vm, entry(k));
    await vm.must("echo >/sys/module/xt_SYSRQ/parameters/passwd");
    const sender = keySender(k, vm);
    await sender.probe(vm);
    await assertAcked(vm, sender);
    // Key id 0 names the password's key, and there is none now.
    await assertUnknown(vm, password.follow(sender));
    // The password back, for the sentinel of later scenarios.
    await rewritePassword(vm, vm.password!, password);
    await assertAcked(vm, password);
    await mustWriteKeys(vm, "");
  },
);

suite.shutdownTest();

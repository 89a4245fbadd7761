/**
 * Rotating server keys without lockout (issue 14), with the real module and
 * real UDP: requests flow one after another, each sent as the client sends
 * it (identical bytes again until an ack), while the `keys` parameter
 * changes under them. The old key works until it is removed, the new one
 * from the moment it is added, both while both are installed; no request
 * is lost across a change (every one acked, on its first copy), a key
 * change keeps the replay state (one boot id throughout), and the log line
 * and the ack of each request name the key that made it.
 *
 * The pump sends at most one request per millisecond of the guest's
 * protocol clock (see {@link nextStamp}): stamps are milliseconds, every
 * key shares one floor, and a stamp more than 1 s ahead of the server's
 * clock is refused as FUTURE. Under TCG a round trip took about 0.5 ms on
 * 6.12-rt against 1.4 ms on 6.1, 6.12 and 7.1 (on PREEMPT_RT a printer
 * thread, not the request's path, writes SysRq h's help to the console,
 * which then drops lines), and an unpaced pump's strictly rising stamps
 * ran up to 1 s ahead of the guest's clock in about 3 s while the sender's
 * estimate of that clock stayed within 3 ms of it: 2–4 requests then met
 * FUTURE, a fault of the sender, not of the module or the guest's clock.
 * The real client stamps each request from the server's clock, never
 * faster than it runs.
 *
 * @module
 */

import assert from "node:assert";
import { KeyStatus, RefusalReason, type Reply } from "../../mod.ts";
import { counters, delta, Sender, type Sent } from "./_packets.ts";
import { Suite } from "./_suite.ts";
import {
  adminSecret,
  entry,
  keySender,
  mustWriteKeys,
  type ServerKey,
  serverKey,
} from "./_keys.ts";
import { delay } from "./_util.ts";
import type { Vm } from "./vm.ts";

const suite = new Suite();
/** Requests each pump sends after the key change is complete. */
const AFTER = 4;
/** Copies of one request the pump sends before it calls it lost. */
const COPIES = 3;

/** What became of one request of a pump. */
interface Outcome {
  keyId: number;
  acked: boolean;
  copies: number;
  /** Each refusal's reason and clocks, to tell a clock fault from a loss. */
  refusals: string[];
}

/** The last stamp made in this file: every sender here shares one floor. */
const stamps = { last: 0 };

/**
 * A request 'h' from `sender`, once the sender's estimate of the guest's
 * clock has passed the last stamp, so that it is stamped with that
 * estimate and never ahead of it (at most one request per millisecond).
 */
async function nextStamp(sender: Sender): Promise<Sent> {
  while (sender.now() <= stamps.last) await delay(1);
  const sent = sender.request("h");
  stamps.last = sent.info.timestamp;
  return sent;
}

/** What a refusal says about the clocks: the stamp and our estimate. */
function describeRefusal(sender: Sender, sent: Sent, reply: Reply): string {
  if (reply.type !== "refusal") return reply.type;
  const server = reply.serverTime;
  return `${RefusalReason[reply.reason]}: stamp ${
    sent.info.timestamp - server
  } ms ` +
    `and our estimate ${sender.now() - server} ms ahead of the guest's clock`;
}

/**
 * Sends one request 'h' with `sender`, the identical bytes again after
 * each second without an answer (as the client retries), up to COPIES.
 */
async function sendUntilAcked(vm: Vm, sender: Sender): Promise<Outcome> {
  const sent = await nextStamp(sender);
  const refusals: string[] = [];
  for (let copies = 1; copies <= COPIES; copies++) {
    const replies = await vm.exchange([sent.packet], {
      want: 1,
      timeoutMs: 1_000,
    });
    const mine = sender.repliesTo(sent, replies);
    const ack = mine.find((r) => r.type === "ack");
    if (ack?.type === "ack") {
      assert.deepEqual(ack.statuses, [KeyStatus.EXECUTED]);
      return { keyId: sender.keyId, acked: true, copies, refusals };
    }
    refusals.push(...mine.map((r) => describeRefusal(sender, sent, r)));
  }
  return { keyId: sender.keyId, acked: false, copies: COPIES, refusals };
}

/**
 * Requests one after another from `senders` in turn, from before `change`
 * starts until AFTER more were sent once it is done.
 */
async function pumpAcross(
  vm: Vm,
  senders: Sender[],
  change: () => Promise<void>,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let done = false;
  let after = 0;
  const pump = (async () => {
    for (let i = 0; !done || after < AFTER; i++) {
      const finished = done;
      outcomes.push(await sendUntilAcked(vm, senders[i % senders.length]));
      if (finished) after++;
    }
  })();
  const start = performance.now();
  while (outcomes.length < 2) await delay(5);
  const during = outcomes.length;
  await change();
  done = true;
  await pump;
  assert.ok(outcomes.length >= during + AFTER);
  const seconds = (performance.now() - start) / 1000;
  console.log(
    `  ${outcomes.length} requests in ${seconds.toFixed(1)} s; the guest's ` +
      `clock minus the sender's estimate: ${await drift(vm, senders[0])} ms`,
  );
  return outcomes;
}

/**
 * How far the guest's protocol clock has moved from `sender`'s estimate
 * of it (ms, positive: the guest is ahead), by a fresh probe with its key;
 * `sender` keeps its estimate.
 */
async function drift(vm: Vm, sender: Sender): Promise<number> {
  const fresh = new Sender(sender.key, sender.serverAddress, sender.keyId);
  const clock = await fresh.probe(vm);
  const estimate = sender.clock!.serverTime + clock.at - sender.clock!.at;
  return Math.round(clock.serverTime - estimate);
}

/** Asserts every request was acked on its first copy. */
function assertNoneLost(outcomes: Outcome[], what: string): void {
  const lost = outcomes.filter((o) => !o.acked);
  const retried = outcomes.filter((o) => o.acked && o.copies > 1);
  const refusals = [...lost, ...retried].flatMap((o) => o.refusals);
  const why = refusals.length ? refusals : ["none (no reply)"];
  assert.equal(
    lost.length,
    0,
    `${what}: ${lost.length} requests lost; refusals: ${why.join("; ")}`,
  );
  assert.equal(
    retried.length,
    0,
    `${what}: ${retried.length} needed a retry; refusals: ${why.join("; ")}`,
  );
}

/** Asserts `sender`'s request is dropped unanswered as UNKNOWN_KEY. */
async function assertRefused(vm: Vm, sender: Sender): Promise<void> {
  const before = await counters(vm);
  const sent = await nextStamp(sender);
  const replies = await vm.exchange([sent.packet], { timeoutMs: 1_500 });
  assert.equal(replies.length, 0, "a request under a key not installed");
  const d = delta(before, await counters(vm));
  assert.deepEqual(
    [d.unknown_key, d.accepted ?? 0],
    [1, 0],
    JSON.stringify(d),
  );
}

/** Accepted-request log lines since `mark` that name key `k`. */
function linesNaming(vm: Vm, mark: number, k: ServerKey): number {
  const line = new RegExp(`accepted, keys "h".*\\bkey ${k.idHex}\\b`, "g");
  return vm.consoleSince(mark).match(line)?.length ?? 0;
}

/** Waits until the console shows `n` accepted lines naming `k`. */
async function waitLines(vm: Vm, mark: number, k: ServerKey, n: number) {
  const deadline = Date.now() + vm.budget(20_000);
  while (linesNaming(vm, mark, k) < n && Date.now() < deadline) {
    await delay(100);
  }
  assert.equal(linesNaming(vm, mark, k), n, `log lines naming key ${k.idHex}`);
}

suite.scenario(
  "rotation: the new key added and the old removed while requests flow; none lost",
  async (vm, password, mark) => {
    const identity = "guest1";
    const old = await serverKey(adminSecret(), identity);
    const next = await serverKey(adminSecret(), identity);
    assert.notEqual(old.idHex, next.idHex, "two admin secrets, one id");
    await mustWriteKeys(vm, entry(old));
    const oldSender = keySender(old, vm);
    const bootId = (await oldSender.probe(vm)).bootId;
    oldSender.follow(password);
    const nextSender = keySender(next, vm).follow(password);
    const before = await counters(vm);

    await assertRefused(vm, nextSender);
    const adding = await pumpAcross(
      vm,
      [oldSender],
      () => mustWriteKeys(vm, `+${entry(next)}`),
    );
    assertNoneLost(adding, "old key across the new key's addition");
    // Both installed: both work, in turn, under one replay state.
    assert.deepEqual((await keySender(next, vm).probe(vm)).bootId, bootId);
    const both: Outcome[] = [];
    for (let i = 0; i < 6; i++) {
      both.push(await sendUntilAcked(vm, i % 2 ? oldSender : nextSender));
    }
    assertNoneLost(both, "both keys installed");
    const removing = await pumpAcross(
      vm,
      [nextSender],
      () => mustWriteKeys(vm, `-${old.idHex}`),
    );
    assertNoneLost(removing, "new key across the old key's removal");
    await assertRefused(vm, oldSender);
    assert.deepEqual((await keySender(next, vm).probe(vm)).bootId, bootId);

    const all = [...adding, ...both, ...removing];
    const byOld = all.filter((o) => o.keyId === old.id).length;
    const byNext = all.length - byOld;
    console.log(
      `  ${all.length} requests acked across the rotation ` +
        `(${byOld} old key, ${byNext} new key), none retried`,
    );
    const d = delta(before, await counters(vm));
    assert.equal(d.accepted, all.length, JSON.stringify(d));
    assert.equal(d.unknown_key, 2, JSON.stringify(d));
    for (const v of ["repeated", "refused_replay", "replay", "bad_mac"]) {
      assert.equal(d[v] ?? 0, 0, `${v}: ${JSON.stringify(d)}`);
    }
    await waitLines(vm, mark, old, byOld);
    await waitLines(vm, mark, next, byNext);
    await mustWriteKeys(vm, "");
  },
);

suite.scenario(
  "rotation: another key added and removed 20 times; the installed key loses nothing",
  async (vm, password) => {
    const stay = await serverKey(adminSecret(), "guest1");
    await mustWriteKeys(vm, entry(stay));
    const sender = keySender(stay, vm);
    await sender.probe(vm);
    sender.follow(password);
    const churn = await serverKey(adminSecret(), "guest1");
    const outcomes = await pumpAcross(vm, [sender], async () => {
      for (let i = 0; i < 20; i++) {
        await mustWriteKeys(vm, `+${entry(churn)}`);
        await mustWriteKeys(vm, `-${churn.idHex}`);
      }
      // A whole-set write that keeps the key replaces its copy too.
      await mustWriteKeys(vm, `${entry(churn)},${entry(stay)}`);
    });
    assertNoneLost(outcomes, "requests across 41 key writes");
    console.log(`  ${outcomes.length} requests acked across 41 key writes`);
    await mustWriteKeys(vm, "");
  },
);

suite.shutdownTest();

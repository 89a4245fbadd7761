import assert from "node:assert";
import { KeyStatus, RefusalReason } from "../mod.ts";
import {
  formatJson,
  formatText,
  type HostResult,
  humanDuration,
  likelyCauses,
  palette,
  succeeded,
  wantColor,
} from "./output.ts";

const BASE: HostResult = {
  label: "web1",
  address: "192.0.2.7",
  port: 9,
  keys: "sub",
  outcome: "acked",
  attempts: 1,
  rttMs: 3,
};

Deno.test("humanDuration", () => {
  assert.equal(humanDuration(0), "0 ms");
  assert.equal(humanDuration(-90_000), "1 min 30 s");
  assert.equal(humanDuration(3 * 3600_000 + 5000), "3 h 5 s");
  assert.equal(humanDuration(59_940), "59.9 s");
});

Deno.test("ack: keys run and keys refused, each with its reason", () => {
  const result = {
    ...BASE,
    statuses: [
      KeyStatus.EXECUTED,
      KeyStatus.REFUSED_BY_RULE,
      KeyStatus.REFUSED_BY_SYSCTL,
    ],
  };
  const text = formatText(result);
  assert.match(text, /^web1 \(192\.0\.2\.7\): acked in 3 ms, ran once: s\n/);
  assert.match(text, /refused u: not in the rule's key set/);
  assert.match(text, /refused b: masked by the server's kernel\.sysrq/);
  assert.equal(succeeded(result), false);
  assert.equal(succeeded({ ...BASE, statuses: [0, 0, 0] }), true);
});

Deno.test("ack: a re-ack says the keys ran once, and the clock offset when it matters", () => {
  const result = { ...BASE, statuses: [0, 0, 0], repeat: true };
  assert.match(formatText(result), /ran once; ack re-sent: s, u, b\n/);
  assert.doesNotMatch(formatText({ ...result, clockOffsetMs: 900 }), /clock/);
  assert.match(
    formatText({ ...result, clockOffsetMs: -600_000 }),
    /the server's clock is 10 min ahead of this machine's \(harmless/,
  );
  assert.match(
    formatText({ ...result, clockOffsetMs: 3_600_000 }),
    /the server's clock is 1 h behind this machine's/,
  );
});

Deno.test("refusal: every reason, and whether an earlier copy may have run", () => {
  const at = (
    reason: RefusalReason,
    mayHaveRun = false,
  ): HostResult => ({
    ...BASE,
    outcome: "refused",
    refusal: { reason, serverTime: 0, clockOffsetMs: 0, mayHaveRun },
  });
  assert.match(formatText(at(RefusalReason.STALE)), /refused: too old/);
  assert.match(formatText(at(RefusalReason.FUTURE)), /refused: stamped ahead/);
  assert.match(formatText(at(RefusalReason.REPLAY)), /refused: not newer/);
  assert.match(formatText(at(RefusalReason.BOOT)), /earlier boot/);
  assert.match(formatText(at(RefusalReason.BOOT)), /this packet never will/);
  assert.match(
    formatText(at(RefusalReason.REPLAY, true)),
    /nothing ran now; an earlier copy .* may have run once/s,
  );
});

Deno.test("no reply: causes, the b/o/c note and ignored replies", () => {
  const silent = {
    ...BASE,
    outcome: "no-reply" as const,
    attempts: 3,
    waitedMs: 1000,
    keys: "s",
  };
  assert.match(
    formatText(silent),
    /no reply \(3 attempts, 3 s\): may not have arrived;\n {2}it ran once or not at all/,
  );
  assert.doesNotMatch(formatText(silent), /expected with/);
  assert.match(
    formatText({ ...silent, keys: "sob" }),
    /expected with o \(power off\), b \(reboot\)/,
  );
  assert.match(
    formatText({ ...silent, ignored: 1 }),
    /ignored 1 reply that failed verification/,
  );
  const probe = { ...silent, stage: "probe" as const, probes: 3, attempts: 0 };
  assert.match(
    formatText(probe),
    /no reply \(3 probes, 3 s\): no key was sent/,
  );
  // The likely causes are said once, under the summary (likelyCauses).
  assert.doesNotMatch(formatText(probe), /likely causes/);
  assert.match(
    formatText({ ...probe, portClosed: true }),
    /nothing listens on UDP 9 there: module or rule missing/,
  );
});

Deno.test("json: one parseable object, names for statuses and reasons", () => {
  const json = JSON.parse(
    formatJson({ ...BASE, keys: "s", statuses: [KeyStatus.REFUSED_BY_SYSCTL] }),
  );
  assert.deepEqual(json.statuses, [{ key: "s", status: "refused-by-sysctl" }]);
  assert.equal(json.ok, false);
  const refused = JSON.parse(
    formatJson({
      ...BASE,
      outcome: "refused",
      refusal: {
        reason: RefusalReason.STALE,
        serverTime: 0,
        clockOffsetMs: 1.4,
      },
    }),
  );
  assert.deepEqual(refused.refusal, {
    reason: "stale",
    serverTime: "1970-01-01T00:00:00.000Z",
    clockOffsetMs: 1,
  });
  const acked = JSON.parse(
    formatJson({
      ...BASE,
      statuses: [0, 0, 0],
      repeat: true,
      clockOffsetMs: -5.6,
    }),
  );
  assert.equal(acked.repeat, true);
  assert.equal(acked.clockOffsetMs, -6);
});

Deno.test("colour only on a terminal without NO_COLOR", () => {
  assert.equal(wantColor(true, undefined), true);
  assert.equal(wantColor(true, ""), true);
  assert.equal(wantColor(true, "1"), false);
  assert.equal(wantColor(false, undefined), false);
  assert.equal(palette(false).good("ok"), "ok");
  assert.equal(palette(true).good("ok"), "\x1b[32mok\x1b[0m");
});

Deno.test("likely causes: a few lines, however many ports were silent", () => {
  // 10,000 silent hosts on 10,000 ports once printed every port number.
  const silent = (port: number): HostResult => ({
    ...BASE,
    port,
    outcome: "no-reply",
    stage: "probe",
    attempts: 0,
  });
  const many = likelyCauses(
    Array.from({ length: 10_000 }, (_, i) => silent(30_000 + i)),
  );
  assert.ok(many.length < 600, `${many.length} characters`);
  assert.match(many, /^10000 hosts did not answer/);
  assert.match(many, /UDP ports 30000, 30001, 30002 and 9997\sothers/);
  assert.match(likelyCauses([silent(9), silent(9)]), /UDP port 9;/);
  assert.match(likelyCauses([silent(9), silent(99)]), /UDP ports 9, 99;/);
});

Deno.test("likely causes name the key mode the silent hosts were probed in", () => {
  // With server keys the address is not in the MAC and there is no
  // password: the cause is a server holding another name's key.
  const silent = (keyId: number): HostResult => ({
    ...BASE,
    keyId,
    outcome: "no-reply",
    stage: "probe",
    attempts: 0,
  });
  const server = likelyCauses([silent(0x8150e2a5)]);
  assert.match(server, /lacks\sthe\skey\sof\sthe\sname\sused\shere/);
  assert.doesNotMatch(server, /password|--server-address/);
  const password = likelyCauses([silent(0)]);
  assert.match(password, /wrong\spassword;\swrong\s--server-address/);
  assert.doesNotMatch(password, /keygen --server/);
  const both = likelyCauses([silent(0), silent(0x8150e2a5)]);
  assert.match(both, /\(password\shosts\);.*\(server\skeys\)/s);
});

Deno.test("ack of a safe reboot: named as such, in text and JSON", () => {
  const result = {
    ...BASE,
    keys: "b",
    statuses: [KeyStatus.EXECUTED],
    safeReboot: true,
  };
  assert.match(formatText(result), /acked in 3 ms, ran once: safe reboot$/);
  assert.match(
    formatText({ ...result, onlyIfSynced: true }),
    /ran once: safe reboot \(only if synced\)$/,
  );
  assert.match(
    formatText({ ...result, statuses: [KeyStatus.REFUSED_BY_SYSCTL] }),
    /ran no keys\n {2}refused safe reboot: masked by the server's kernel\.sysrq/,
  );
  const json = JSON.parse(formatJson(result));
  assert.equal(json.safeReboot, true);
  assert.equal(json.keys, "b", "the key sent is still b");
});

Deno.test("with a server key, each line names the identity it was made for", () => {
  const result = { ...BASE, keyId: 0x8150e2a5, identity: "guest1" };
  assert.match(
    formatText({ ...result, statuses: [0, 0, 0] }),
    /^web1 \(192\.0\.2\.7, identity guest1\): acked by key 8150e2a5 in 3 ms/,
  );
  assert.match(
    formatText({
      ...result,
      label: "192.0.2.7:99",
      identity: "192.0.2.7",
      outcome: "no-reply",
      stage: "probe",
      probes: 3,
    }),
    /^192\.0\.2\.7:99 \(identity 192\.0\.2\.7\): no reply \(3 probes/,
  );
  assert.equal(JSON.parse(formatJson(result)).identity, "guest1");
  // The password has no identity: nothing is added.
  assert.match(
    formatText({ ...BASE, statuses: [0, 0, 0] }),
    /^web1 \(192\.0\.2\.7\): acked in/,
  );
});

/**
 * Output end to end (docs/PROTOCOL.md, "Output"): the real module in a
 * QEMU guest, real iptables, real UDP; requests asking for output and the
 * output messages opened by tests/qemu/_output.ts with node:crypto alone.
 * What the keys print must come back, sealed, and nothing may come back
 * to a replayed, forged or refused request.
 *
 * On a kernel without the ChaCha20-Poly1305 library (the 6.18-debug and
 * 7.1 test kernels) only the last scenarios apply: the ack says no output
 * follows and none does.
 *
 * @module
 */

import assert from "node:assert/strict";
import { counters, delta, settle } from "./_packets.ts";
import { Suite } from "./_suite.ts";
import { hang, hangBootOptions } from "./rescue.ts";
import {
  ACK_OUTPUT_BUSY,
  ACK_OUTPUT_FOLLOWS,
  ACK_REPEAT,
  CAP_OUTPUT,
  FLAG_ACK_WANTED,
  FLAG_OUTPUT_WANTED,
  kernelHasAead,
  OUT_LAST,
  OUT_TRUNCATED,
  type OutAck,
  type Output,
  OutputReceiver,
  type OutRequest,
  textOf,
} from "./_output.ts";
import { Vm } from "./vm.ts";
import { runClient, SOURCE } from "../../cli/_run_client.ts";

const noAead = !kernelHasAead();
if (noAead) {
  console.log(
    "SKIP output scenarios: the kernel under test has no " +
      "ChaCha20-Poly1305 library (libchacha20poly1305): output is off there",
  );
}

const suite = new Suite();
const STATUS_EXECUTED = 0;
const STATUS_REFUSED_SYSCTL = 2;
const PARAMS = "/sys/module/xt_SYSRQ/parameters";

let receiver: OutputReceiver | undefined;

/** The receiver for `vm`'s password, its clock learnt from a probe. */
async function rx(vm: Vm): Promise<OutputReceiver> {
  if (!receiver) {
    const r = new OutputReceiver(vm.password!, vm.address("v4"));
    const probe = r.probe(true);
    r.learn(probe, await vm.exchange([probe], { want: 1 }));
    receiver = r;
  }
  return receiver;
}

/** The output capability bit of a fresh info probe's facts. */
async function outputCapability(vm: Vm): Promise<boolean> {
  const r = await rx(vm);
  const probe = r.probe(true);
  const clock = r.learn(probe, await vm.exchange([probe], { want: 1 }));
  return ((clock.info?.[3] ?? 0) & CAP_OUTPUT) !== 0;
}

interface Asked {
  req: OutRequest;
  replies: Uint8Array[];
  ack?: OutAck;
  out: Output;
}

/**
 * Sends `packets`, then `last` (a fresh request asking for output), and
 * listens until `last`'s output is complete: the guest judges in order and
 * sends each request's first message from the packet path, so by then
 * every earlier packet had its chance to be answered.
 */
async function ask(
  vm: Vm,
  last: OutRequest,
  packets: Uint8Array[] = [],
  timeoutMs = 20_000,
): Promise<Asked> {
  const r = await rx(vm);
  const replies = await vm.exchange([...packets, last.packet], {
    stopWhen: r.complete(last),
    timeoutMs,
  });
  return {
    req: last,
    replies,
    ack: r.ack(last, replies),
    out: r.output(last, replies),
  };
}

/** Asserts an ack with `flags` and `statuses`. */
function assertAck(a: Asked, flags: number, statuses: number[]): void {
  assert.ok(a.ack, `an ack for "${a.req.keys}"`);
  assert.equal(a.ack.flags, flags, "ack flags");
  assert.deepEqual(a.ack.statuses, statuses);
}

/** Asserts complete, authentic output ending with exactly `lastFlags`. */
function assertOutput(a: Asked, lastFlags = OUT_LAST): string {
  assert.equal(a.out.forged, 0, "no message failed authentication");
  assert.ok(
    a.out.text !== undefined,
    `complete output: got indexes ${a.out.messages.map((m) => m.index)}`,
  );
  assert.equal(a.out.last!.flags, lastFlags, "the last message's flags");
  for (const m of a.out.messages.slice(0, -1)) {
    assert.equal(m.flags, 0);
    assert.equal(m.text.length, 1024, "every message but the last is full");
  }
  return textOf(a.out.text);
}

async function withSysrq(vm: Vm, mask: number, fn: () => Promise<void>) {
  const old = (await vm.must("cat /proc/sys/kernel/sysrq")).trim();
  await vm.must(`echo ${mask} >/proc/sys/kernel/sysrq`);
  try {
    await fn();
  } finally {
    await vm.must(`echo ${old} >/proc/sys/kernel/sysrq`);
  }
}

async function setParam(vm: Vm, name: string, value: string) {
  await vm.must(`echo ${value} >${PARAMS}/${name}`);
}

suite.scenario("h: the HELP line comes back, sealed", async (vm) => {
  assert.ok(await outputCapability(vm), "the info probe says output works");
  const before = await counters(vm);
  const a = await ask(vm, (await rx(vm)).request("h"));
  assertAck(a, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
  const text = assertOutput(a);
  assert.match(text, /sysrq: HELP : loglevel\(0-9\) reboot\(b\)/);
  // Every line as dmesg prints it: a timestamp first.
  for (const line of text.trimEnd().split("\n")) {
    assert.match(line, /^\[ *\d+\.\d{6}\]/, line);
  }
  const d = delta(before, await counters(vm));
  assert.equal(d.output_messages, a.out.messages.length);
  assert.equal(d.output_bytes, a.out.text!.length);
}, { ignore: noAead });

suite.scenario("m: memory lines come back", async (vm) => {
  await withSysrq(vm, 1, async () => {
    const a = await ask(vm, (await rx(vm)).request("m"));
    assertAck(a, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
    const text = assertOutput(a);
    assert.match(text, /sysrq: Show Memory/);
    assert.match(text, /Mem-Info:/);
    assert.match(text, /pages RAM/);
  });
}, { ignore: noAead });

suite.scenario("s: its completion line comes back", async (vm) => {
  const a = await ask(vm, (await rx(vm)).request("s"));
  assertAck(a, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
  const text = assertOutput(a); // LAST alone: not UNFINISHED
  assert.match(text, /sysrq: Emergency Sync/);
  assert.match(text, /Emergency Sync complete/);
}, { ignore: noAead });

suite.scenario(
  "a key that prints nothing: one empty, authenticated message",
  async (vm) => {
    // Debian's kernel.sysrq (438) refuses 'm': it does not run, prints
    // nothing, and the ack says why.
    await withSysrq(vm, 438, async () => {
      const a = await ask(vm, (await rx(vm)).request("m"));
      assertAck(a, ACK_OUTPUT_FOLLOWS, [STATUS_REFUSED_SYSCTL]);
      assertOutput(a);
      assert.equal(a.out.messages.length, 1);
      assert.equal(a.out.text!.length, 0);
    });
  },
  { ignore: noAead },
);

suite.scenario(
  "output_max: output over the limit arrives cut and marked; bad values change nothing",
  async (vm) => {
    const before = await counters(vm);
    for (const bad of ["1025", "-1", "many"]) {
      const r = await vm.command(`echo ${bad} >${PARAMS}/output_max`);
      assert.notEqual(r.code, 0, `output_max=${bad} is refused`);
    }
    assert.equal((await vm.must(`cat ${PARAMS}/output_max`)).trim(), "64");
    assert.match(vm.consoleText(), /output_max: a size in KiB from 0/);
    await setParam(vm, "output_max", "2");
    try {
      await withSysrq(vm, 1, async () => {
        const a = await ask(vm, (await rx(vm)).request("m"));
        assertAck(a, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
        assertOutput(a, OUT_LAST | OUT_TRUNCATED);
        assert.equal(a.out.text!.length, 2048);
      });
      assert.equal(delta(before, await counters(vm)).output_truncated, 1);
      // 0 turns output off: the ack says nothing follows.
      await setParam(vm, "output_max", "0");
      const off = await ask(vm, (await rx(vm)).request("h"), [], 3_000);
      assertAck(off, 0, [STATUS_EXECUTED]);
      assert.ok(!await outputCapability(vm), "nor does the info probe");
      assert.equal(off.out.messages.length, 0);
    } finally {
      await setParam(vm, "output_max", "64");
    }
  },
  { ignore: noAead },
);

suite.scenario(
  "attack: a replayed, forged or output-less request gets no output",
  async (vm) => {
    const r = await rx(vm);
    const first = await ask(vm, (await rx(vm)).request("h"));
    assertAck(first, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
    assertOutput(first);

    const forged = (await rx(vm)).request("h");
    forged.packet[forged.packet.length - 1] ^= 1;
    const noAck = (await rx(vm)).request("h", FLAG_OUTPUT_WANTED);
    const plain = (await rx(vm)).request("h", FLAG_ACK_WANTED);
    const before = await counters(vm);
    const last = await ask(vm, (await rx(vm)).request("h"), [
      first.req.packet, // the identical datagram again
      forged.packet,
      noAck.packet,
      plain.packet,
    ]);
    assertAck(last, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
    assertOutput(last);
    const replay = r.ack(first.req, last.replies);
    assert.ok(replay, "the replay is re-acked");
    assert.equal(replay.flags, ACK_REPEAT, "REPEAT, no OUTPUT_FOLLOWS");
    assert.equal(r.output(first.req, last.replies).messages.length, 0);
    assert.equal(r.ack(forged, last.replies), undefined);
    assert.equal(r.output(forged, last.replies).messages.length, 0);
    assert.equal(r.ack(noAck, last.replies), undefined);
    assert.equal(r.output(noAck, last.replies).messages.length, 0);
    assert.equal(r.ack(plain, last.replies)?.flags, 0);
    assert.equal(r.output(plain, last.replies).messages.length, 0);
    // Only the last request's messages came at all.
    const six = last.replies.filter((p) => p[5] === 6);
    assert.equal(six.length, last.out.messages.length);
    const d = delta(before, await counters(vm));
    assert.equal(d.repeated, 1);
    assert.equal(d.bad_mac, 1);
    assert.equal(d.bad_flags, 1);
    assert.equal(d.accepted, 2);
  },
  { ignore: noAead },
);

suite.scenario(
  "t: a second request meanwhile gets OUTPUT_BUSY; an escape-sequence task name arrives intact",
  async (vm) => {
    await vm.must(namedTask("\\033]0;x\\007") + " echo $! >/tmp/escaped.pid");
    await setParam(vm, "output_max", "1024");
    try {
      await withSysrq(vm, 1, async () => {
        const r = await rx(vm);
        const t = (await rx(vm)).request("t");
        const busy = (await rx(vm)).request("h"); // stamped after t
        const before = await counters(vm);
        const replies = await vm.exchange([t.packet, busy.packet], {
          stopWhen: r.complete(t),
          timeoutMs: 60_000,
        });
        const a: Asked = {
          req: t,
          replies,
          ack: r.ack(t, replies),
          out: r.output(t, replies),
        };
        assertAck(a, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
        assert.equal(r.ack(busy, replies)?.flags, ACK_OUTPUT_BUSY);
        assert.equal(r.output(busy, replies).messages.length, 0);
        assert.equal(delta(before, await counters(vm)).output_busy, 1);
        const flags = a.out.last?.flags ?? 0;
        assertOutput(a, flags & OUT_TRUNCATED ? flags : OUT_LAST);
        const raw = a.out.text!;
        const name = new Uint8Array([0x1b, 0x5d, 0x30, 0x3b, 0x78, 0x07]);
        assert.ok(
          indexOf(raw, name) >= 0,
          "the task's name, escape sequence and all, is in the bytes",
        );
        assert.match(textOf(raw), /sysrq: Show State/);
      });
    } finally {
      await setParam(vm, "output_max", "64");
      await vm.command("kill $(cat /tmp/escaped.pid)");
    }
  },
  { ignore: noAead },
);

/** The escape-sequence name the attack gives its task, as the guest writes it. */
const EVIL_NAME = "\\033]0;x\\007";
/** How it must look wherever the client shows it: escaped, visible. */
const EVIL_ESCAPED = String.raw`task:\x1b]0;x\x07 `;

/**
 * Starts a task the attacker names: a script whose file name is an
 * escape sequence (exec names a task after the file it runs; another
 * task's comm cannot be written), stopped so that `t` shows it state T.
 */
async function startEvilTask(vm: Vm): Promise<void> {
  await vm.must(
    `n="$(printf '${EVIL_NAME}')"; f="/tmp/$n"; ` +
      `printf '#!/bin/sh\\nwhile :; do sleep 1000; done\\n' >"$f"; ` +
      `chmod +x "$f"; "$f" </dev/null >/dev/null 2>&1 & p=$!; ` +
      `echo $p >/tmp/evil.pid; ` +
      `while [ "$(cat /proc/$p/comm)" != "$n" ]; do sleep 0.1; done; ` +
      "kill -STOP $p",
  );
  const comm = await vm.must("od -An -tx1 /proc/$(cat /tmp/evil.pid)/comm");
  assert.equal(comm.replace(/\s+/g, " ").trim(), "1b 5d 30 3b 78 07 0a");
}

/** Every character that would act on a terminal (all but tab, newline). */
// deno-lint-ignore no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;

suite.scenario(
  "attack: a task named with an escape sequence shows up escaped in the client's output, --output file and --json",
  async (vm) => {
    await startEvilTask(vm);
    await setParam(vm, "output_max", "1024");
    const dir = await Deno.makeTempDir({ prefix: "nsr-output-" });
    const client = (args: string[]) =>
      runClient(SOURCE, [
        ...args,
        "--server-address",
        vm.address("v4"),
        "t",
        `127.0.0.1:${vm.ports.v4}`,
      ], { env: { SYSRQ_PASSWORD: vm.password! } });
    try {
      await withSysrq(vm, 1, async () => {
        // The terminal: the dump under the result line, indented.
        const shown = await client([]);
        assert.equal(shown.code, 0, shown.stdout + shown.stderr);
        assert.match(shown.stdout, /sysrq: Show State/);
        const line = shown.stdout.split("\n").find((l) =>
          l.includes(EVIL_ESCAPED)
        );
        assert.ok(line, "the task's line, its name escaped");
        assert.match(line, /^ +\[ *\d+\.\d+\] task:.* +state:T/);
        assert.doesNotMatch(shown.stdout + shown.stderr, CONTROL);

        // --json and --output DIR/HOST.log, in one run.
        const saved = await client(["--json", "--output", dir]);
        assert.equal(saved.code, 0, saved.stdout + saved.stderr);
        const json = JSON.parse(saved.stdout.split("\n")[0]);
        assert.equal(json.output.complete, true, "the whole dump came");
        assert.ok(json.output.text.includes(EVIL_ESCAPED), "--json: escaped");
        assert.doesNotMatch(json.output.text, CONTROL);
        const [log] = [...Deno.readDirSync(dir)].map((e) => `${dir}/${e.name}`);
        assert.equal(json.output.file, log);
        const file = await Deno.readTextFile(log);
        assert.ok(file.includes(EVIL_ESCAPED), "--output: escaped");
        assert.doesNotMatch(file, CONTROL);
      });
    } finally {
      await Deno.remove(dir, { recursive: true });
      await setParam(vm, "output_max", "64");
      await vm.command("kill -KILL $(cat /tmp/evil.pid)");
    }
  },
  { ignore: noAead },
);

suite.scenario(
  "no AEAD library: the ack says no output follows, and none does",
  async (vm) => {
    assert.match(
      vm.consoleText(),
      /no output: this kernel has no ChaCha20-Poly1305 library/,
    );
    assert.ok(!await outputCapability(vm), "the info probe says no output");
    const a = await ask(vm, (await rx(vm)).request("h"), [], 3_000);
    assertAck(a, 0, [STATUS_EXECUTED]);
    assert.equal(a.replies.filter((p) => p[5] === 6).length, 0);
  },
  { ignore: !noAead },
);

suite.scenario(
  "unload while output is in flight: the parameter waits, the timer stops, nothing is left",
  async (vm) => {
    const r = await rx(vm);
    await setParam(vm, "output_max", "1024");
    await vm.must("echo 1 >/proc/sys/kernel/sysrq");
    // Four task dumps: hundreds of KiB at 64 messages a second, seconds
    // of pacing to come when the module goes.
    const long = r.request("tttt");
    const before = await counters(vm);
    const listening = vm.exchange([long.packet], { timeoutMs: 10_000 });
    await settle(vm, before, 1); // judged: its session has begun
    const write = await vm.command(`echo 64 >${PARAMS}/output_max`);
    assert.notEqual(write.code, 0, "output_max is not replaced mid-session");
    await vm.must("nsr unload", 60_000);
    const replies = await listening;
    const out = r.output(long, replies);
    assert.equal(r.ack(long, replies)?.flags, ACK_OUTPUT_FOLLOWS);
    assert.ok(out.messages.length > 0, "some output came before the unload");
    assert.equal(out.last, undefined, "the unload cut the session short");
    assert.equal(out.forged, 0);
    assert.match(vm.consoleText(), /output_max: an output is being sent/);
    assert.equal(
      (await vm.command("lsmod | grep -c xt_SYSRQ")).output.trim(),
      "0",
    );
  },
  { ignore: noAead },
);

suite.shutdownTest();

/*
 * A guest shell command starting a task named `name` (printf's escapes
 * allowed) in the background. A task can rename only itself (another's
 * /proc/PID/comm refuses the write) and exec renames it after the program,
 * so a shell names itself and then waits on sleep forever.
 */
function namedTask(name: string): string {
  return `sh -c 'printf "${name}" >/proc/$$/comm && ` +
    "while :; do sleep 1000; done' </dev/null >/dev/null 2>&1 &";
}

function indexOf(hay: Uint8Array, needle: Uint8Array): number {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) {
      if (hay[i + j] !== needle[j]) continue outer;
    }
    return i;
  }
  return -1;
}

/*
 * The all-tasks-stopped hang: every process SIGSTOPped, the control
 * channel's shell included, so everything is set up before. `w` lists only
 * tasks in uninterruptible sleep (a stopped task is not one), so the
 * stopped tasks are named by `t`, which the same hang answers. A guest of
 * its own: nothing in it answers afterwards.
 */
Deno.test({
  name: "stopped hang: w and t answer; t names the stopped tasks",
  ignore: noAead,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const vm = await Vm.boot(await hangBootOptions("stopped"));
    try {
      const r = new OutputReceiver(vm.password!, vm.address("v4"));
      const probe = r.probe();
      r.learn(probe, await vm.exchange([probe], { want: 1 }));
      await vm.must("echo 1 >/proc/sys/kernel/sysrq");
      await vm.must(`echo 1024 >${PARAMS}/output_max`);
      await vm.must(namedTask("stuck-worker"));
      await hang(vm, "stopped");
      const send = async (keys: string) => {
        const sent = r.request(keys);
        const replies = await vm.exchange([sent.packet], {
          stopWhen: r.complete(sent),
          timeoutMs: 60_000,
        });
        return {
          req: sent,
          replies,
          ack: r.ack(sent, replies),
          out: r.output(sent, replies),
        };
      };
      const w = await send("w");
      assertAck(w, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
      assert.match(assertOutput(w), /sysrq: Show Blocked State/);
      const t = await send("t");
      assertAck(t, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
      const flags = t.out.last?.flags ?? 0;
      const text = assertOutput(t, flags & OUT_TRUNCATED ? flags : OUT_LAST);
      assert.match(text, /task:stuck-worker +state:T/);
      vm.assertCleanConsole();
    } finally {
      await vm.shutdown();
    }
  },
});

/*
 * The storage hang: a writer stuck in uninterruptible sleep on a device
 * whose writes never finish, `sync` hangs too. `w` is the dump made for
 * this: it names the blocked task and where it waits.
 */
Deno.test({
  name: "storage hang: w names the writer stuck in D state",
  ignore: noAead,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const vm = await Vm.boot(await hangBootOptions("storage"));
    try {
      const r = new OutputReceiver(vm.password!, vm.address("v4"));
      const probe = r.probe();
      r.learn(probe, await vm.exchange([probe], { want: 1 }));
      await vm.must("echo 1 >/proc/sys/kernel/sysrq");
      await hang(vm, "storage");
      const sent = r.request("w");
      const replies = await vm.exchange([sent.packet], {
        stopWhen: r.complete(sent),
        timeoutMs: 60_000,
      });
      const w = {
        req: sent,
        replies,
        ack: r.ack(sent, replies),
        out: r.output(sent, replies),
      };
      assertAck(w, ACK_OUTPUT_FOLLOWS, [STATUS_EXECUTED]);
      const text = assertOutput(w);
      console.log(text.trimEnd().split("\n").slice(0, 12).join("\n"));
      assert.match(text, /sysrq: Show Blocked State/);
      assert.match(text, /task:dd +state:D/);
      vm.assertCleanConsole();
    } finally {
      await vm.shutdown();
    }
  },
});

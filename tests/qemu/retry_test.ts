/**
 * Exactly once, with the real client and the real module (issue 12): a
 * retry is the identical packet, so an ack lost on the way back costs a
 * re-ack, never a second run. The lost ack is real: an OUTPUT rule in the
 * guest drops the first ack-sized reply from port 9 (xt_statistic,
 * xt_length from netfilter_initrd.ts). The console, the counters and the
 * client's words are the evidence.
 *
 * @module
 */

import assert from "node:assert";
import { counters, delta } from "./_packets.ts";
import { rearm, Suite } from "./_suite.ts";
import { loadNetfilterModules, netfilterInitrd } from "./netfilter_initrd.ts";
import { runClient, SOURCE } from "../../cli/_run_client.ts";
import type { Vm } from "./vm.ts";

const suite = new Suite({ extraInitrd: [await netfilterInitrd()] });

const HELP = /sysrq: HELP/g;

/**
 * The ack of a one-key request: 57 bytes of UDP payload, an IPv4 packet of
 * 85 bytes. The probe's clock answer (56 bytes: 84) passes. The nth
 * statistic with --packet 0 matches the first packet, then none for a
 * million more.
 */
const DROP_FIRST_ACK = "OUTPUT -p udp --sport 9 -m length --length 85 " +
  "-m statistic --mode nth --every 1000000 --packet 0 -j DROP";

async function client(vm: Vm, args: string[]) {
  const run = await runClient(SOURCE, [
    "--server-address",
    vm.address(),
    ...args,
    `127.0.0.1:${vm.ports.v4}`,
  ], { env: { SYSRQ_PASSWORD: vm.password! } });
  return { ...run, text: run.stdout + run.stderr };
}

/** Packets the guest's OUTPUT rule dropped. */
async function dropped(vm: Vm): Promise<number> {
  const out = await vm.must(`iptables-${vm.iptables} -L OUTPUT -v -n -x`);
  const line = out.split("\n").find((l) => l.includes("DROP"));
  return Number(line?.trim().split(/\s+/)[0] ?? NaN);
}

suite.scenario(
  "the first ack is lost: the client's retry is re-acked and h ran once",
  async (vm, _sender, mark) => {
    await loadNetfilterModules(vm);
    await vm.must(`iptables-${vm.iptables} -I ${DROP_FIRST_ACK}`);
    try {
      const before = await counters(vm);
      const run = await client(vm, ["--timeout", "1", "--retries", "3", "h"]);
      assert.equal(run.code, 0, run.text);
      assert.match(run.text, /acked in .*, ran once; ack re-sent: h\n/);
      assert.match(
        run.text,
        /the first ack was lost; the retry .* ran nothing/,
      );
      assert.equal(await dropped(vm), 1, "the guest dropped one ack");
      const d = delta(before, await counters(vm));
      assert.equal(d.probe_answered, 1);
      assert.equal(d.accepted, 1, "the request was accepted once");
      assert.equal(d.repeated, 1, "its identical retry was re-acked");
      assert.equal(d.keys_executed, 1);
      // The ack (dropped on its way out) and the re-ack that got through.
      assert.equal(
        (d.acks_sent ?? 0) + (d.replies_failed ?? 0),
        2,
        JSON.stringify(d),
      );
      await vm.waitFor(/sysrq: HELP/, { since: mark });
      assert.equal(vm.consoleSince(mark).match(HELP)?.length, 1);
    } finally {
      await vm.must(`iptables-${vm.iptables} -D ${DROP_FIRST_ACK}`);
    }
  },
  { needs: { modules: ["xt_length", "xt_statistic"] } },
);

suite.scenario(
  "a --sysrq-no-ack rule: every retry is the same packet, h runs once",
  async (vm, _sender, mark) => {
    await rearm(vm, ["--sysrq-no-ack"]);
    try {
      const before = await counters(vm);
      const run = await client(vm, [
        "--timeout",
        "0.5",
        "--retries",
        "2",
        "h",
      ]);
      assert.equal(run.code, 1, run.text);
      assert.match(run.text, /no reply \(3 attempts.*may not have arrived/s);
      assert.match(run.text, /ran once or not at all, never twice/);
      const d = delta(before, await counters(vm));
      assert.equal(d.probe_answered, 1, "no-ack rules answer probes");
      assert.equal(d.accepted, 1);
      assert.equal(d.repeated, 2, "the two retries ran nothing");
      assert.equal(d.keys_executed, 1);
      assert.equal(d.acks_sent, undefined);
      await vm.waitFor(/sysrq: HELP/, { since: mark });
      assert.equal(vm.consoleSince(mark).match(HELP)?.length, 1);
      // --no-ack itself: probe, then one request, no ack asked for.
      const quiet = await client(vm, ["--no-ack", "h"]);
      assert.equal(quiet.code, 0, quiet.text);
      assert.match(quiet.text, /sent \(no ack asked for\)/);
      await vm.waitFor(/sysrq: HELP[^]*sysrq: HELP/, { since: mark });
    } finally {
      await rearm(vm);
    }
  },
);

suite.shutdownTest();

/**
 * `deno task demo`: netsysrq in under a minute. Boots a QEMU guest with the
 * xt_SYSRQ target, shows it healthy, hangs it with a real-time CPU hog on
 * every CPU, shows that its userspace no longer answers while its kernel
 * still answers ping, then brings it down cleanly with the real client
 * (cli/main.ts): `s` (sync), `u` (remount read-only), `b` (reboot), each
 * ack next to the guest's own console lines. QEMU runs with -no-reboot, so
 * the reboot ends it.
 *
 * The hang is rescue.ts's "cpu-tuned": SCHED_FIFO 98 busy loops with the
 * kernel's softirq threads at FIFO 99, the tuning the README recommends.
 * With the hog above ksoftirqd, Debian 12's 6.1 kernel takes in no packet
 * at all, ping included (hang_test.ts, hang 1, shows that limit).
 *
 * As root the guest sits on a tap device in a private network namespace,
 * so the host can ping it; otherwise QEMU's user network carries the UDP
 * and the ping step is left out.
 *
 * @module
 */

import { runClient, SOURCE } from "../../cli/_run_client.ts";
import { KEY_ACTIONS } from "../../cli/sysrq_keys.ts";
import { ensureHostTools } from "./_host.ts";
import { hang, hangBootOptions, type HangKind } from "./rescue.ts";
import { Vm } from "./vm.ts";
import { isRoot } from "./_util.ts";

const KIND: HangKind = "cpu-tuned";
const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const dim = (s: string) => color ? `\x1b[2m${s}\x1b[0m` : s;
const bold = (s: string) => color ? `\x1b[1m${s}\x1b[0m` : s;

/** What each rescue key does, and the console line that proves it ran. */
const STEPS = [
  {
    keys: "s",
    says: "sync: ask the kernel to write every dirty buffer to disk",
    proof: /sysrq: Emergency Sync/,
  },
  {
    keys: "u",
    says: "remount: ask the kernel to remount every filesystem read-only",
    proof: /sysrq: Emergency Remount/,
  },
];

function say(text = ""): void {
  console.log(text);
}

function show(who: string, lines: string[]): void {
  for (const line of lines) say(`  ${who} │ ${line}`);
}

/** Console lines since `mark` worth showing, escape codes removed. */
function guestLines(vm: Vm, mark: number, pattern: RegExp): string[] {
  return vm.consoleSince(mark)
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1bc|\r/g, "")
    .split("\n")
    .filter((l) => pattern.test(l))
    .map((l) => l.trim())
    .map((l) => l.length > 100 ? `${l.slice(0, 97)}...` : l);
}

/** A command run inside the guest's network namespace when there is one. */
function onHost(vm: Vm, argv: string[]): string[] {
  return vm.netns ? ["ip", "netns", "exec", vm.netns, ...argv] : argv;
}

/** Runs the real client for `keys`; returns its output lines. */
async function client(vm: Vm, keys: string): Promise<string[]> {
  // Through QEMU's NAT the client must name the address the guest sees.
  const options = vm.netns ? [] : ["--server-address", vm.address("v4")];
  const host = vm.netns ? vm.address("v4") : `127.0.0.1:${vm.ports.v4}`;
  // An administrator at a terminal confirms u and b when asked; the demo
  // has no terminal, so it says --yes, as a script would.
  const yes = [...keys].some((k) => KEY_ACTIONS[k]?.harmful) ? ["--yes"] : [];
  const args = [...yes, ...options, keys, host];
  say(bold(`$ send_sysrq ${args.join(" ")}`));
  const [command, ...rest] = onHost(vm, [SOURCE.command, ...SOURCE.args]);
  const out = await runClient({ name: "demo", command, args: rest }, args, {
    env: { SYSRQ_PASSWORD: vm.password!, NO_COLOR: "1" },
  });
  return (out.stdout + out.stderr).trim().split("\n");
}

/** One ping from the host; the round trip as text, or null. */
async function ping(vm: Vm): Promise<string | null> {
  const [cmd, ...args] = onHost(vm, [
    "busybox",
    "ping",
    "-c",
    "1",
    "-W",
    "3",
    vm.address("v4"),
  ]);
  const out = await new Deno.Command(cmd, { args, stdout: "piped" }).output();
  const text = new TextDecoder().decode(out.stdout);
  return out.success ? (text.match(/time=(\S+ ms)/)?.[1] ?? "ok") : null;
}

/** Does a guest shell command answer within `ms`? */
async function shellAnswers(vm: Vm, ms: number): Promise<boolean> {
  try {
    await vm.command("echo alive", ms);
    return true;
  } catch {
    return false;
  }
}

async function healthy(vm: Vm): Promise<void> {
  say(bold("1. The server is healthy."));
  const mark = vm.mark();
  await vm.waitFor(/NSR-HEARTBEAT \d+[\s\S]*NSR-HEARTBEAT \d+/, {
    since: mark,
    timeoutMs: 10_000,
  });
  show("guest ", guestLines(vm, mark, /NSR-HEARTBEAT/).slice(0, 2));
  say(dim("  (a userspace heartbeat: one console line a second)"));
  say(`  its shell answers: ${await shellAnswers(vm, 5_000) ? "yes" : "no"}`);
  if (vm.netns) say(`  ping ${vm.address("v4")}: ${await ping(vm)}`);
}

async function hung(vm: Vm): Promise<void> {
  say();
  say(bold("2. Something hangs it."));
  say(
    "  A real-time busy loop (SCHED_FIFO) takes every CPU, with the kernel's",
  );
  say("  real-time throttling off: no ordinary process runs any more.");
  const mark = vm.mark();
  const proof = await hang(vm, KIND);
  show("guest ", guestLines(vm, mark, /NSR-HANG|NSR-TUNED|NSR-HOG/));
  say(`  hung: ${proof.detail}`);
  say(
    `  its shell answers within 3 s: ${
      await shellAnswers(vm, 3_000) ? "yes" : "no"
    }`,
  );
  if (vm.netns) {
    const rtt = await ping(vm);
    say(`  ping ${vm.address("v4")}: ${rtt ?? "no answer"}`);
    if (rtt) {
      say("  Hung, but it still answers ping: the case netsysrq is for.");
    }
  }
}

async function rescue(vm: Vm): Promise<void> {
  say();
  say(bold("3. The administrator rescues it from their workstation."));
  for (const step of STEPS) {
    say();
    say(`${bold(step.keys)}: ${step.says}`);
    const mark = vm.mark();
    show("client", await client(vm, step.keys));
    await vm.waitFor(step.proof, { since: mark, timeoutMs: 15_000 });
    show("guest ", guestLines(vm, mark, /sysrq:|xt_SYSRQ/));
  }
  say(dim(
    "  (an ack means the kernel took the key; sync and remount then run in\n" +
      "  kernel workers, which the hog may starve: b does not wait for them)",
  ));
  say();
  say(`${bold("b")}: reboot at once, like pressing the reset button`);
  const mark = vm.mark();
  const sent = performance.now();
  const exited = vm.waitExit(20_000);
  show("client", await client(vm, "b"));
  const ok = await exited;
  show("guest ", guestLines(vm, mark, /sysrq:|xt_SYSRQ/));
  if (!ok) {
    say("The guest did not reboot within 20 s: something is wrong.");
    Deno.exitCode = 1;
    return;
  }
  say(
    `The guest rebooted: QEMU exited ${
      Math.round(performance.now() - sent)
    } ms after send_sysrq b started.`,
  );
}

async function main(): Promise<void> {
  const kernel = await ensureHostTools();
  say(bold("netsysrq demo: rescue a hung server with the magic SysRq key"));
  say("Booting a QEMU guest: Debian's kernel, the xt_SYSRQ target loaded with");
  say("a fresh random password, and the rule");
  say(dim("  iptables -I INPUT -p udp --dport 9 -j SYSRQ"));
  const started = performance.now();
  const network = isRoot() ? "tap" : "user";
  const vm = await Vm.boot(await hangBootOptions(KIND, { network, kernel }));
  try {
    say(
      `Guest up in ${(vm.bootMs / 1000).toFixed(1)} s at ${vm.address("v4")}.`,
    );
    say(dim(`(guest console: ${vm.consolePath})`));
    if (!vm.netns) say(dim("(not root: no ping step; UDP via QEMU's NAT)"));
    say();
    await healthy(vm);
    await hung(vm);
    await rescue(vm);
    vm.assertCleanConsole();
    say();
    say(
      `Done in ${((performance.now() - started) / 1000).toFixed(1)} s. ` +
        "Try the client on a server of your own: deno task vm:up",
    );
  } finally {
    await vm.shutdown();
  }
}

await main();

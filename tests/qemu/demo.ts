/**
 * `deno task demo`: netsysrq in under a minute. Boots a QEMU guest with the
 * xt_SYSRQ target, shows it healthy, hangs it with a real-time CPU hog on
 * every CPU, shows that its userspace no longer answers while its kernel
 * still answers ping, then brings it down cleanly with the real client
 * (cli/main.ts) in one request, `send_sysrq --safe-reboot`: the server
 * syncs its disk, freezes it and reboots, and the client shows each step
 * as the server logs it. QEMU runs with -no-reboot, so the reboot ends it;
 * then the host checks the guest's disk (e2fsck, and the files it wrote
 * just before the hang).
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
import { diskInitrd } from "./disk/initrd.ts";
import { inspectImage, makeImage } from "./disk/disk_image.ts";
import { ensureHostTools } from "./_host.ts";
import { hang, hangBootOptions, type HangKind } from "./rescue.ts";
import { Vm } from "./vm.ts";
import { isRoot, workDir } from "./_util.ts";

const KIND: HangKind = "cpu-tuned";
const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const dim = (s: string) => color ? `\x1b[2m${s}\x1b[0m` : s;
const bold = (s: string) => color ? `\x1b[1m${s}\x1b[0m` : s;

/** Files the guest writes (no fsync) just before it hangs. */
const FILES = 50;

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

/** Runs the real client with `args` before the host; its output lines. */
async function client(vm: Vm, args: string[]): Promise<string[]> {
  // Through QEMU's NAT the client must name the address the guest sees.
  const options = vm.netns ? [] : ["--server-address", vm.address("v4")];
  const host = vm.netns ? vm.address("v4") : `127.0.0.1:${vm.ports.v4}`;
  const all = [...args, ...options, host];
  say(bold(`$ send_sysrq ${all.join(" ")}`));
  const [command, ...rest] = onHost(vm, [SOURCE.command, ...SOURCE.args]);
  const out = await runClient({ name: "demo", command, args: rest }, all, {
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

async function rescue(vm: Vm, image: string): Promise<void> {
  say();
  say(bold("3. The administrator rescues it from their workstation."));
  say("  One request: the server syncs its disks, freezes them (journal");
  say("  flushed), then reboots, each step bounded in time, and reports each");
  say("  one as it happens. (An administrator at a terminal confirms b when");
  say("  asked; the demo has none, so it says --yes, as a script would.)");
  say();
  const sent = performance.now();
  const exited = vm.waitExit(30_000);
  show("client", await client(vm, ["--yes", "--safe-reboot"]));
  const ok = await exited;
  if (!ok) {
    say("The guest did not reboot within 30 s: something is wrong.");
    Deno.exitCode = 1;
    return;
  }
  say(
    `The guest rebooted: QEMU exited ${
      Math.round(performance.now() - sent)
    } ms after send_sysrq started.`,
  );
  const disk = await inspectImage(image, FILES);
  say(
    `Its disk, checked on the host: e2fsck ${disk.fsck}, ${disk.intact} of ` +
      `${disk.written} files written just before the hang intact.`,
  );
  if (disk.fsck !== "clean" || disk.intact !== disk.written) {
    Deno.exitCode = 1;
  }
}

async function main(): Promise<void> {
  const kernel = await ensureHostTools();
  say(bold("netsysrq demo: rescue a hung server with the magic SysRq key"));
  say("Booting a QEMU guest: Debian's kernel, the xt_SYSRQ target loaded with");
  say("a fresh random password, and the rule");
  say(dim("  iptables -I INPUT -p udp --dport 9 -j SYSRQ"));
  const started = performance.now();
  const network = isRoot() ? "tap" : "user";
  const image = `${workDir()}/demo-${crypto.randomUUID().slice(0, 8)}.img`;
  await makeImage(image);
  const vm = await Vm.boot(
    await hangBootOptions(KIND, {
      network,
      kernel,
      disks: [image],
      extraInitrd: [await diskInitrd(kernel)],
    }),
  );
  try {
    say(
      `Guest up in ${(vm.bootMs / 1000).toFixed(1)} s at ${vm.address("v4")}.`,
    );
    say(dim(`(guest console: ${vm.consolePath})`));
    if (!vm.netns) say(dim("(not root: no ping step; UDP via QEMU's NAT)"));
    say();
    await healthy(vm);
    await vm.must("nsr-disk mount", 60_000);
    await vm.must(`nsr-disk write ${FILES} 3`, 60_000);
    say(`  it has just written ${FILES} files to its ext4 disk (no fsync)`);
    await hung(vm);
    await rescue(vm, image);
    vm.assertCleanConsole();
    say();
    say(
      `Done in ${((performance.now() - started) / 1000).toFixed(1)} s. ` +
        "Try the client on a server of your own: deno task vm:up",
    );
  } finally {
    await vm.shutdown();
    await Deno.remove(image).catch(() => {});
  }
}

await main();

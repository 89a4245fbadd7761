/**
 * `deno task demo`: netsysrq in one minute. Boots a QEMU guest with the
 * xt_SYSRQ target, runs the real client (cli/main.ts) with `h` (help, a
 * harmless key) and `s` (emergency sync), showing each ack next to the
 * guest's own console lines, then `b`, and shows the guest rebooting (QEMU
 * runs with -no-reboot, so a reboot ends it).
 *
 * The steps are a list (`STEPS`) so a hang can be put in front of them.
 *
 * @module
 */

import { ensureHostTools } from "./_host.ts";
import { Vm } from "./vm.ts";
import { fromFileUrl } from "./_util.ts";

const CLIENT = fromFileUrl(new URL("../../cli/main.ts", import.meta.url));
const color = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
const dim = (s: string) => color ? `\x1b[2m${s}\x1b[0m` : s;
const bold = (s: string) => color ? `\x1b[1m${s}\x1b[0m` : s;

/** One thing to send, what it does, and the console line that proves it. */
interface Step {
  keys: string;
  says: string;
  proof: RegExp;
}

const STEPS: Step[] = [
  {
    keys: "h",
    says: "help: the kernel prints its SysRq key list (harmless)",
    proof: /sysrq: HELP/,
  },
  {
    keys: "s",
    says: "sync: write every dirty buffer to disk",
    proof: /Emergency Sync complete/,
  },
];

function say(text = ""): void {
  console.log(text);
}

/** Console lines since `mark` worth showing, escape codes removed. */
function guestLines(vm: Vm, mark: number): string[] {
  return vm.consoleSince(mark)
    // deno-lint-ignore no-control-regex
    .replace(/\x1b\[[0-9;?]*[a-zA-Z]|\x1bc/g, "")
    .split(/\r?\n/)
    .filter((l) => /sysrq|xt_SYSRQ|Emergency Sync|reboot/i.test(l))
    .map((l) => l.length > 110 ? `${l.slice(0, 107)}...` : l);
}

/** Runs the client for `keys` and returns its output lines and exit code. */
async function client(vm: Vm, keys: string) {
  const args = [
    "--server-address",
    vm.address("v4"),
    keys,
    `127.0.0.1:${vm.ports.v4}`,
  ];
  say(bold(`$ send_sysrq ${args.join(" ")}`));
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-net",
      "--allow-read",
      "--allow-env=SYSRQ_PASSWORD,NO_COLOR",
      CLIENT,
      ...args,
    ],
    env: { SYSRQ_PASSWORD: vm.password!, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(out.stdout) +
    new TextDecoder().decode(out.stderr);
  return { lines: text.trim().split("\n"), code: out.code };
}

function show(who: string, lines: string[]): void {
  for (const line of lines) say(`  ${who} │ ${line}`);
}

async function main(): Promise<void> {
  await ensureHostTools();
  say(bold("netsysrq demo: the magic SysRq key over the network"));
  say(
    "Booting a QEMU guest: Debian's kernel, the xt_SYSRQ target loaded with",
  );
  say("a fresh random password, and the rule");
  say(dim("  iptables -I INPUT -p udp --dport 9 -j SYSRQ"));
  const started = performance.now();
  const vm = await Vm.boot({});
  try {
    say(
      `Guest up in ${(vm.bootMs / 1000).toFixed(1)} s; it answers on ` +
        `127.0.0.1:${vm.ports.v4} (forwarded to ${vm.address("v4")}:9).`,
    );
    say(dim(`(guest console: ${vm.consolePath})`));
    for (const step of STEPS) {
      say();
      say(`${bold(step.keys)}: ${step.says}`);
      const mark = vm.mark();
      const { lines } = await client(vm, step.keys);
      show("client", lines);
      await vm.waitFor(step.proof, { since: mark, timeoutMs: 15_000 });
      show("guest ", guestLines(vm, mark));
    }
    say();
    say(
      `${
        bold("b")
      }: reboot at once, no sync, no unmount (like the reset button)`,
    );
    const mark = vm.mark();
    const sent = performance.now();
    const { lines } = await client(vm, "b");
    show("client", lines);
    const exited = await vm.waitExit(20_000);
    show("guest ", guestLines(vm, mark));
    if (exited) {
      say(
        `The guest rebooted: QEMU exited ${
          Math.round(performance.now() - sent)
        } ms after b was sent.`,
      );
    } else {
      say("The guest did not reboot within 20 s: something is wrong.");
      Deno.exitCode = 1;
    }
    vm.assertCleanConsole();
    say();
    say(
      `Done in ${((performance.now() - started) / 1000).toFixed(1)} s. ` +
        "Try it yourself: deno task vm:up",
    );
  } finally {
    await vm.shutdown();
  }
}

await main();

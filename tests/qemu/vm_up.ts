/**
 * `deno task vm:up [--server-key FILE]...`: a disposable netsysrq server.
 * Boots the QEMU guest with xt_SYSRQ loaded under a fresh random password
 * and the rule installed, adds each server key FILE holds (as written by
 * `send_sysrq keygen --server NAME -o FILE`), prints one JSON line
 *
 *     {"host":"127.0.0.1","port":P,"serverAddress":"10.0.2.15",
 *      "password":"…","keyIds":[…],"console":"…/console.log",
 *      "shell":"…/shell.sock","pid":N}
 *
 * and keeps running until SIGINT or SIGTERM, which stop the guest cleanly.
 * Meanwhile `deno task vm:shell [COMMAND]` runs root shell commands in the
 * guest (guest_shell.ts): where the README's install lines say
 * `ssh root@HOST`, say `deno task vm:shell`. Try it with the client:
 *
 *     SYSRQ_PASSWORD=… deno task start --server-address 10.0.2.15 h 127.0.0.1:P
 *
 * The password is printed because this server is throwaway and local: it
 * exists for this session only and dies with it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { ensureHostTools } from "./_host.ts";
import { shellQuote } from "./control_channel.ts";
import { serveGuestShell } from "./guest_shell.ts";
import { Vm } from "./vm.ts";

const USAGE = `usage: deno task vm:up [--server-key FILE]...
  --server-key FILE  add the server key in FILE (send_sysrq keygen --server
                     NAME -o FILE) to the guest's xt_SYSRQ; repeatable`;

function options() {
  try {
    const { values } = parseArgs({
      options: {
        "server-key": { type: "string", multiple: true },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    return { serverKeys: values["server-key"] ?? [] };
  } catch (error) {
    console.error(`vm:up: ${(error as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
}

/** The key lines of the files, read before anything boots. */
async function readServerKeys(files: string[]): Promise<string[]> {
  const keys = [];
  for (const file of files) {
    const text = await Deno.readTextFile(file).catch((error) => {
      console.error(`vm:up: --server-key ${file}: ${error.message}`);
      Deno.exit(2);
    });
    keys.push(text.trim());
  }
  return keys;
}

/** Add each key (from `files`); the module checks it (and never logs it). */
async function addServerKeys(
  vm: Vm,
  keys: string[],
  files: string[],
): Promise<string[]> {
  for (const [i, key] of keys.entries()) {
    const { code, output } = await vm.command(
      `printf '+%s' ${shellQuote(key)} > /sys/module/xt_SYSRQ/parameters/keys`,
    );
    if (code !== 0) {
      throw new Error(
        `--server-key ${files[i]}: refused by xt_SYSRQ ` +
          `(${output.trim()}; see dmesg: deno task vm:shell dmesg)`,
      );
    }
  }
  const ids = await vm.must("cat /sys/module/xt_SYSRQ/parameters/keys");
  return ids.split(/[\s,]+/).filter((id) => id !== "");
}

const opts = options();
const serverKeys = await readServerKeys(opts.serverKeys);
const kernel = await ensureHostTools();
const vm = await Vm.boot({ kernel, keep: true });
const shellPath = `${vm.dir}/shell.sock`;
const stopShell = await serveGuestShell(shellPath, vm);
let stopping = false;
const stop = async (code = 0) => {
  if (stopping) return;
  stopping = true;
  await stopShell();
  await vm.shutdown();
  console.error(`vm:up: guest stopped; console kept at ${vm.consolePath}`);
  Deno.exit(code);
};
Deno.addSignalListener("SIGINT", () => stop());
Deno.addSignalListener("SIGTERM", () => stop());

let keyIds: string[] = [];
try {
  keyIds = await addServerKeys(vm, serverKeys, opts.serverKeys);
} catch (error) {
  console.error(`vm:up: ${(error as Error).message}`);
  await stop(2);
}

console.log(JSON.stringify({
  host: "127.0.0.1",
  port: vm.ports.v4,
  serverAddress: vm.address("v4"),
  password: vm.password,
  keyIds,
  console: vm.consolePath,
  shell: shellPath,
  pid: vm.pid,
}));
console.error(
  `vm:up: guest ready in ${vm.bootMs} ms; Ctrl-C (SIGINT) or SIGTERM stops it
vm:up: a root shell in the guest, from another terminal of this machine:
  deno task vm:shell                           (line by line; Ctrl-D ends)
  deno task vm:shell 'cat /proc/net/xt_SYSRQ'  (one command; stdin is its stdin)
where the README's install lines say ssh root@HOST, say deno task vm:shell.`,
);

// Stay up until a signal, or until the guest goes away by itself (SysRq b).
await vm.waitExit(2 ** 31 - 1);
if (!stopping) {
  console.error(`vm:up: the guest exited (console: ${vm.consolePath})`);
  await stop(0);
}

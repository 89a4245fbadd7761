/**
 * `deno task vm:up`: a disposable netsysrq server. Boots the QEMU guest with
 * xt_SYSRQ loaded under a fresh random password and the rule installed,
 * prints one JSON line
 *
 *     {"host":"127.0.0.1","port":P,"serverAddress":"10.0.2.15",
 *      "password":"…","console":"…/console.log","pid":N}
 *
 * and keeps running until SIGINT or SIGTERM, which stop the guest cleanly.
 * Try it with the client:
 *
 *     SYSRQ_PASSWORD=… deno task start --server-address 10.0.2.15 h 127.0.0.1:P
 *
 * The password is printed because this server is throwaway and local: it
 * exists for this session only and dies with it.
 *
 * @module
 */

import { ensureHostTools } from "./_host.ts";
import { Vm } from "./vm.ts";

const kernel = await ensureHostTools();
const vm = await Vm.boot({ kernel, keep: true });
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await vm.shutdown();
  console.error(`vm:up: guest stopped; console kept at ${vm.consolePath}`);
  Deno.exit(0);
};
Deno.addSignalListener("SIGINT", stop);
Deno.addSignalListener("SIGTERM", stop);

console.log(JSON.stringify({
  host: "127.0.0.1",
  port: vm.ports.v4,
  serverAddress: vm.address("v4"),
  password: vm.password,
  console: vm.consolePath,
  pid: vm.pid,
}));
console.error(
  `vm:up: guest ready in ${vm.bootMs} ms; Ctrl-C (SIGINT) or SIGTERM stops it`,
);

// Stay up until a signal, or until the guest goes away by itself (SysRq b).
await vm.waitExit(2 ** 31 - 1);
if (!stopping) {
  console.error(`vm:up: the guest exited (console: ${vm.consolePath})`);
  await vm.shutdown();
  Deno.exit(0);
}

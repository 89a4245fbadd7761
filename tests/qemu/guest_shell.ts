/**
 * A way into a guest that `deno task vm:up` keeps running. QEMU serves one
 * client on the guest's control channel and vm:up holds it, so vm:up
 * passes commands on: it listens on a Unix socket (mode 0600, in its
 * private run directory), and `deno task vm:shell` sends it one command at
 * a time, with what it read on its stdin, as ssh does. One JSON line each
 * way:
 *
 *     → {"command":"cat /proc/net/xt_SYSRQ","stdin":"<base64>"}
 *     ← {"output":"…","code":0}        or   {"error":"…"}
 *
 * The guest's init runs each command with `sh -c` as root, output and
 * errors together (tests/qemu/guest/init.sh); a command's stdin is piped
 * in through `base64 -d`.
 *
 * @module
 */

import { shellQuote } from "./control_channel.ts";
import { workDir } from "./_util.ts";

/** What a guest command gave back. */
export interface ShellReply {
  output: string;
  code: number;
}

/** The stdin a command may take (a key, a short script): bytes. */
export const MAX_STDIN = 64 * 1024;
/** How long one command may run in the guest. */
const COMMAND_TIMEOUT_MS = 120_000;

/**
 * Where `vm:shell` looks first: a link to the socket of the vm:up started
 * last (tests/.work/vm-shell.sock).
 */
export function latestShellLink(): string {
  return `${workDir()}/vm-shell.sock`;
}

/** Something that runs a shell command in the guest (a Vm). */
interface Runner {
  command(cmd: string, timeoutMs?: number): Promise<ShellReply>;
}

/**
 * Serve guest commands on a Unix socket at `path` until the returned
 * function is called. `latestShellLink()` then points at it.
 */
export async function serveGuestShell(
  path: string,
  vm: Runner,
): Promise<() => Promise<void>> {
  const listener = Deno.listen({ transport: "unix", path });
  // The socket is a root shell in the guest: its owner only.
  await Deno.chmod(path, 0o600);
  const link = latestShellLink();
  await Deno.remove(link).catch(() => {});
  await Deno.symlink(path, link);
  const serving = (async () => {
    for await (const conn of listener) answer(conn, vm);
  })().catch(() => {});
  return async () => {
    listener.close();
    await serving;
    // Only our own link: a later vm:up may have taken it over.
    if ((await Deno.readLink(link).catch(() => "")) === path) {
      await Deno.remove(link).catch(() => {});
    }
  };
}

async function answer(conn: Deno.Conn, vm: Runner): Promise<void> {
  let reply: ShellReply | { error: string };
  try {
    const request = JSON.parse(await firstLine(conn));
    if (typeof request.command !== "string") {
      throw new Error("no command");
    }
    reply = await vm.command(
      withStdin(request.command, request.stdin ?? ""),
      COMMAND_TIMEOUT_MS,
    );
  } catch (error) {
    reply = { error: (error as Error).message };
  }
  try {
    await conn.write(new TextEncoder().encode(JSON.stringify(reply) + "\n"));
  } catch {
    // vm:shell went away (Ctrl-C)
  } finally {
    conn.close();
  }
}

/** The command, reading `stdin` (base64) on its standard input. */
function withStdin(command: string, stdin: string): string {
  if (stdin === "") return command;
  if (
    !/^[A-Za-z0-9+/=]*$/.test(stdin) || stdin.length > MAX_STDIN * 4 / 3 + 4
  ) {
    throw new Error(`stdin: at most ${MAX_STDIN} bytes, as base64`);
  }
  return `echo ${stdin} | base64 -d | sh -c ${shellQuote(command)}`;
}

/** The first line from `conn`; a request longer than `limit` is refused. */
async function firstLine(
  conn: Deno.Conn,
  limit = 2 * MAX_STDIN,
): Promise<string> {
  const decoder = new TextDecoder();
  let text = "";
  const buffer = new Uint8Array(16 * 1024);
  while (!text.includes("\n")) {
    const n = await conn.read(buffer);
    if (n === null) break;
    text += decoder.decode(buffer.subarray(0, n), { stream: true });
    if (text.length > limit) throw new Error("request too long");
  }
  return text.split("\n")[0];
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

/** Run `command` in the guest behind the socket at `path` (vm:shell's side). */
export async function runInGuest(
  path: string,
  command: string,
  stdin?: Uint8Array,
): Promise<ShellReply> {
  if (stdin && stdin.length > MAX_STDIN) {
    throw new Error(`stdin: at most ${MAX_STDIN} bytes`);
  }
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    const request = {
      command,
      stdin: stdin ? base64(stdin) : "",
    };
    await conn.write(new TextEncoder().encode(JSON.stringify(request) + "\n"));
    const reply = JSON.parse(await firstLine(conn, Infinity));
    if (typeof reply.error === "string") throw new Error(reply.error);
    return reply as ShellReply;
  } finally {
    conn.close();
  }
}

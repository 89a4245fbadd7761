/**
 * `deno task vm:shell [--socket PATH] [COMMAND...]`: a root shell in the
 * guest of a running `deno task vm:up` (guest_shell.ts).
 *
 * - With a COMMAND: runs it in the guest, as `ssh root@HOST COMMAND`
 *   would: stdin (when not a terminal) is the command's stdin, its output
 *   comes back, and its exit status is vm:shell's.
 * - Without, on a terminal: a `guest# ` prompt; each line runs on its own
 *   (a `cd` does not carry over to the next line); Ctrl-D ends.
 * - Without, stdin not a terminal: stdin is the script to run.
 *
 * The socket is that of the vm:up started last, unless --socket names one
 * (vm:up prints its own as "shell").
 *
 * @module
 */

import { parseArgs } from "node:util";
import { latestShellLink, MAX_STDIN, runInGuest } from "./guest_shell.ts";

const USAGE = "usage: deno task vm:shell [--socket PATH] [COMMAND...]";

function options() {
  try {
    const { values, positionals } = parseArgs({
      options: {
        socket: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
    });
    if (values.help) {
      console.log(USAGE);
      Deno.exit(0);
    }
    return { socket: values.socket, command: positionals.join(" ") };
  } catch (error) {
    console.error(`vm:shell: ${(error as Error).message}\n${USAGE}`);
    Deno.exit(2);
  }
}

async function readStdin(): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of Deno.stdin.readable) {
    chunks.push(chunk);
    size += chunk.length;
    if (size > MAX_STDIN) {
      console.error(`vm:shell: stdin: at most ${MAX_STDIN} bytes`);
      Deno.exit(2);
    }
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.length;
  }
  return bytes;
}

async function run(socket: string, command: string, stdin?: Uint8Array) {
  try {
    const { output, code } = await runInGuest(socket, command, stdin);
    await Deno.stdout.write(new TextEncoder().encode(output));
    return code;
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound ||
        error instanceof Deno.errors.ConnectionRefused
      ? `no vm:up is running (no socket at ${socket}): start one with deno task vm:up`
      : (error as Error).message;
    console.error(`vm:shell: ${why}`);
    return 255; // as ssh, when the connection fails
  }
}

async function interactive(socket: string): Promise<number> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let code = 0;
  let pending = "";
  await Deno.stdout.write(encoder.encode("guest# "));
  for await (const chunk of Deno.stdin.readable) {
    pending += decoder.decode(chunk, { stream: true });
    let newline;
    while ((newline = pending.indexOf("\n")) >= 0) {
      const line = pending.slice(0, newline).trim();
      pending = pending.slice(newline + 1);
      if (line === "exit") return code;
      if (line !== "") code = await run(socket, line);
      if (code === 255) return code;
      await Deno.stdout.write(encoder.encode("guest# "));
    }
  }
  await Deno.stdout.write(encoder.encode("\n"));
  return code;
}

const { socket = latestShellLink(), command } = options();
if (command !== "") {
  const stdin = Deno.stdin.isTerminal() ? undefined : await readStdin();
  Deno.exit(await run(socket, command, stdin));
}
Deno.exit(
  Deno.stdin.isTerminal()
    ? await interactive(socket)
    : await run(socket, new TextDecoder().decode(await readStdin())),
);

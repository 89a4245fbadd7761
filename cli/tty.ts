/**
 * The controlling terminal (`/dev/tty`), as ssh and sudo use it: the
 * password prompt and the confirmation of harmful keys read from it even
 * when stdin is a pipe (`--hosts-file -`), and a job without a terminal
 * (cron, `setsid`) is told so instead of waiting for an answer.
 *
 * @module
 */

/** The user gave up at a prompt with Ctrl-C: exit status 130. */
export class Interrupted extends Error {
  override name = "Interrupted";
}

/** The terminal, open for one prompt. */
export interface Tty {
  write(text: string): void;
  /** A line as typed (echoed), without its newline; null at Ctrl-D. */
  readLine(): Promise<string | null>;
  /** A line without echo; null at Ctrl-D; throws Interrupted at Ctrl-C. */
  readSecret(): Promise<string | null>;
  close(): void;
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;
const TTY = "/dev/tty";

/** The controlling terminal, or null when the process has none. */
export async function openTty(): Promise<Tty | null> {
  try {
    return deno ? await denoTty() : await nodeTty();
  } catch {
    return null;
  }
}

/** Feed typed text to a line; true when it ends, null when given up. */
function lineTaker(typed: string[], secret: boolean) {
  return (text: string): boolean | null => {
    for (const char of text) {
      if (char === "\r" || char === "\n") return true;
      if (char === "\x03") throw new Interrupted("interrupted at the prompt");
      if (char === "\x04") return secret || typed.length === 0 ? null : true;
      if (char === "\x7f" || char === "\b") typed.pop();
      else typed.push(char);
    }
    return false;
  };
}

/**
 * The terminal under Deno. Deno 2.9 opens `/dev/tty` for reading with
 * --allow-read, but for writing only with --allow-all (a rule for every
 * special file under /dev and /proc: `/dev/pts/N` and `/dev/stderr` too).
 * So the answer is always read from `/dev/tty`, and the prompt is written
 * there when Deno allows it, else to whichever of stderr and stdout is the
 * terminal; with neither, there is no way to show it.
 */
async function openDenoTty() {
  const input = await deno!.open(TTY, { read: true });
  if (!input.isTerminal()) {
    input.close();
    throw new Error("not a terminal");
  }
  try {
    const output = await deno!.open(TTY, { write: true });
    return { input, output, own: [input, output] };
  } catch (error) {
    if (!(error instanceof deno!.errors.NotCapable)) {
      input.close();
      throw error;
    }
  }
  const output = deno!.stderr.isTerminal()
    ? deno!.stderr
    : deno!.stdout.isTerminal()
    ? deno!.stdout
    : null;
  if (output === null) {
    input.close();
    throw new Error("no terminal to write the prompt to");
  }
  return { input, output, own: [input] };
}

async function denoTty(): Promise<Tty> {
  const { input: file, output, own } = await openDenoTty();
  const encoder = new TextEncoder();
  const read = async (secret: boolean) => {
    const typed: string[] = [];
    const take = lineTaker(typed, secret);
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(256);
    if (secret) file.setRaw(true);
    try {
      while (true) {
        const n = await file.read(buffer);
        if (n === null) return null;
        const over = take(
          decoder.decode(buffer.subarray(0, n), { stream: true }),
        );
        if (over === null) return null;
        if (over) return typed.join("");
      }
    } finally {
      if (secret) file.setRaw(false);
    }
  };
  return {
    write: (text) => void output.writeSync(encoder.encode(text)),
    readLine: () => read(false),
    readSecret: () => read(true),
    close: () => own.forEach((file) => file.close()),
  };
}

async function nodeTty(): Promise<Tty> {
  const fs = await import("node:fs");
  const tty = await import("node:tty");
  const fd = fs.openSync(TTY, "r+");
  if (!tty.isatty(fd)) {
    fs.closeSync(fd);
    throw new Error("not a terminal");
  }
  const input = new tty.ReadStream(fd);
  input.pause();
  const read = (secret: boolean) =>
    new Promise<string | null>((resolve, reject) => {
      const typed: string[] = [];
      const take = lineTaker(typed, secret);
      const decoder = new TextDecoder();
      const finish = (value: string | null, error?: Error) => {
        input.off("data", onData);
        if (secret) input.setRawMode(false);
        input.pause();
        if (error) reject(error);
        else resolve(value);
      };
      const onData = (chunk: Uint8Array) => {
        try {
          const over = take(decoder.decode(chunk, { stream: true }));
          if (over === null) finish(null);
          else if (over) finish(typed.join(""));
        } catch (error) {
          finish(null, error as Error);
        }
      };
      if (secret) input.setRawMode(true);
      input.on("data", onData);
      input.resume();
    });
  return {
    write: (text) => void fs.writeSync(fd, text),
    readLine: () => read(false),
    readSecret: () => read(true),
    close: () => input.destroy(),
  };
}

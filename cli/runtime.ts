/**
 * The few platform calls the client makes, on Deno's own API under Deno and
 * on Node's under Node (the bundle and the standalone binary run there).
 * Deno's API starts faster: touching `node:process` in Deno costs more than
 * the rest of the client's start-up (see cli/bench_process.ts), so Node's
 * modules are loaded only when running under Node.
 *
 * @module
 */

// The Node process object, typed only as far as the client uses it.
interface NodeStream {
  isTTY?: boolean;
  write(text: string): boolean;
}
interface NodeStdin extends NodeStream, AsyncIterable<Uint8Array> {
  setRawMode(raw: boolean): void;
  resume(): void;
  pause(): void;
  on(event: "data", listener: (chunk: Uint8Array) => void): void;
  off(event: "data", listener: (chunk: Uint8Array) => void): void;
}
interface NodeProcess {
  argv: string[];
  env: Record<string, string | undefined>;
  stdin: NodeStdin;
  stdout: NodeStream;
  stderr: NodeStream;
  exit(code: number): never;
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;
// Only looked up outside Deno: in Deno the global `process` is a costly getter.
const node = deno
  ? undefined
  : (globalThis as { process?: NodeProcess }).process;
const encoder = new TextEncoder();

/** The program's arguments, without the runtime and script names. */
export function args(): string[] {
  return deno ? [...deno.args] : node!.argv.slice(2);
}

/** An environment variable (the client may read only its own two). */
export function env(name: string): string | undefined {
  return deno ? deno.env.get(name) : node!.env[name];
}

/** Write to stdout or stderr, synchronously (exit may follow at once). */
export function write(stream: "stdout" | "stderr", text: string): void {
  if (deno) {
    const bytes = encoder.encode(text);
    const out = stream === "stdout" ? deno.stdout : deno.stderr;
    for (let done = 0; done < bytes.length;) {
      done += out.writeSync(bytes.subarray(done));
    }
  } else {
    node![stream].write(text);
  }
}

/** Whether the stream is a terminal. */
export function isTerminal(stream: "stdin" | "stdout" | "stderr"): boolean {
  return deno ? deno[stream].isTerminal() : node![stream].isTTY === true;
}

/** End the process with `code`. */
export function exit(code: number): never {
  return deno ? deno.exit(code) : node!.exit(code);
}

/** False when Deno runs without network permission (Node has none). */
export function mayUseNetwork(): boolean {
  return !deno ||
    deno.permissions.querySync({ name: "net" }).state === "granted";
}

/** A file's text; errors carry Node-style codes (ENOENT, EACCES...). */
export async function readTextFile(path: string): Promise<string> {
  if (deno) return await deno.readTextFile(path);
  const fs = await import("node:fs/promises");
  return await fs.readFile(path, "utf8");
}

/** All of stdin as text. */
export async function readStdin(): Promise<string> {
  const chunks: Uint8Array[] = [];
  const source: AsyncIterable<Uint8Array> = deno
    ? deno.stdin.readable
    : node!.stdin;
  for await (const chunk of source) chunks.push(chunk);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(out);
}

/**
 * Read one line from the terminal with echo off (raw mode). Returns null
 * when the user gives up with Ctrl-C or Ctrl-D.
 */
export async function readSecretLine(): Promise<string | null> {
  const typed: string[] = [];
  // Handle typed text; true when the line is over.
  const take = (text: string): boolean | null => {
    for (const char of text) {
      if (char === "\r" || char === "\n") return true;
      if (char === "\x03" || char === "\x04") return null;
      if (char === "\x7f" || char === "\b") typed.pop();
      else typed.push(char);
    }
    return false;
  };
  const decoder = new TextDecoder();
  const result = deno
    ? await denoRaw(take, decoder)
    : await nodeRaw(take, decoder);
  return result ? typed.join("") : null;
}

type Take = (text: string) => boolean | null;

async function denoRaw(
  take: Take,
  decoder: TextDecoder,
): Promise<boolean | null> {
  const stdin = deno!.stdin;
  stdin.setRaw(true);
  try {
    const buffer = new Uint8Array(256);
    while (true) {
      const n = await stdin.read(buffer);
      if (n === null) return null;
      const over = take(
        decoder.decode(buffer.subarray(0, n), { stream: true }),
      );
      if (over !== false) return over;
    }
  } finally {
    stdin.setRaw(false);
  }
}

function nodeRaw(take: Take, decoder: TextDecoder): Promise<boolean | null> {
  const stdin = node!.stdin;
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve) => {
    const onData = (chunk: Uint8Array) => {
      const over = take(decoder.decode(chunk, { stream: true }));
      if (over === false) return;
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      resolve(over);
    };
    stdin.on("data", onData);
  });
}

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
  on(event: "error", listener: (error: Error) => void): void;
}
interface NodeStdin extends AsyncIterable<Uint8Array> {
  isTTY?: boolean;
}
interface NodeProcess {
  argv: string[];
  on(event: "SIGINT", listener: () => void): void;
  off(event: "SIGINT", listener: () => void): void;
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

/** Streams whose reader went away (`| head -1`): written no more. */
const closed = new Set<"stdout" | "stderr">();

/**
 * Write to stdout or stderr, synchronously (exit may follow at once). A
 * stream whose pipe was closed is dropped silently: a reader that stops
 * early (`send_sysrq … | head -1`) must never stop the sending.
 */
export function write(stream: "stdout" | "stderr", text: string): void {
  if (closed.has(stream)) return;
  if (!deno) {
    watchPipe(stream);
    node![stream].write(text);
    return;
  }
  const bytes = encoder.encode(text);
  const out = stream === "stdout" ? deno.stdout : deno.stderr;
  try {
    for (let done = 0; done < bytes.length;) {
      done += out.writeSync(bytes.subarray(done));
    }
  } catch (error) {
    if (!(error instanceof deno.errors.BrokenPipe)) throw error;
    closed.add(stream);
  }
}

const watched = new Set<"stdout" | "stderr">();

/** Node reports a closed pipe as an 'error' event, fatal if unheard. */
function watchPipe(stream: "stdout" | "stderr"): void {
  if (watched.has(stream)) return;
  watched.add(stream);
  node![stream].on("error", (error) => {
    if ((error as { code?: string }).code !== "EPIPE") throw error;
    closed.add(stream);
  });
}

/**
 * Call `handler` on SIGINT (Ctrl-C) instead of dying; returns the function
 * that restores the default.
 */
export function onInterrupt(handler: () => void): () => void {
  if (deno) {
    deno.addSignalListener("SIGINT", handler);
    return () => deno.removeSignalListener("SIGINT", handler);
  }
  node!.on("SIGINT", handler);
  return () => node!.off("SIGINT", handler);
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
 * The permission bits of a regular file, or null for anything else (a
 * pipe such as `<(pass show sysrq)`, a terminal, a missing file).
 */
export async function fileMode(path: string): Promise<number | null> {
  try {
    if (deno) {
      const info = await deno.stat(path);
      return info.isFile && info.mode !== null ? info.mode & 0o777 : null;
    }
    const fs = await import("node:fs/promises");
    const info = await fs.stat(path);
    return info.isFile() ? info.mode & 0o777 : null;
  } catch {
    return null;
  }
}

/**
 * Create `path` with `text`, mode 0600, and its directory (0700) if
 * missing; fails if the file exists (errors carry Node-style codes:
 * EEXIST, EACCES...).
 */
export async function createSecretFile(path: string, text: string) {
  // A missing directory (~/.config/netsysrq) is made private too.
  const dir = path.includes("/") ? path.slice(0, path.lastIndexOf("/")) : "";
  if (deno) {
    if (dir) await deno.mkdir(dir, { recursive: true, mode: 0o700 });
    await deno.writeTextFile(path, text, { createNew: true, mode: 0o600 });
    return;
  }
  const fs = await import("node:fs/promises");
  if (dir) await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await fs.writeFile(path, text, { flag: "wx", mode: 0o600 });
}

/** What a finished command left. */
export interface CommandOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run `command` (looked up in PATH) with `args`, the environment plus
 * `env`, no stdin; its exit code and output. Throws an error whose `code` is
 * ENOENT when there is no such command.
 */
export async function runCommand(
  command: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<CommandOutput> {
  if (deno) {
    let out;
    try {
      out = await new deno.Command(command, {
        args,
        env,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
    } catch (error) {
      if (error instanceof deno.errors.NotFound) {
        throw Object.assign(new Error(`${command}: not found`), {
          code: "ENOENT",
        });
      }
      throw error;
    }
    const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
    return {
      code: out.code,
      stdout: text(out.stdout),
      stderr: text(out.stderr),
    };
  }
  const { execFile } = await import("node:child_process");
  return await new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { env: { ...node!.env, ...env }, maxBuffer: 256 << 20 },
      (error, stdout, stderr) => {
        const code = (error as { code?: unknown } | null)?.code;
        if (code === "ENOENT") return reject(error);
        resolve({
          code: typeof code === "number" ? code : error ? 1 : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

/** Whether `path` is a directory (false for anything else or nothing). */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    if (deno) return (await deno.stat(path)).isDirectory;
    const fs = await import("node:fs/promises");
    return (await fs.stat(path)).isDirectory();
  } catch {
    return false;
  }
}

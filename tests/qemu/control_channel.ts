/**
 * The guest's control channel: a second serial port, a Unix socket on the
 * host, over which the guest's init runs one shell command at a time. A
 * command goes as `<id> <base64>`; its output comes back followed by
 * `@@NSR-END <id> <exit code>` (tests/qemu/guest/init.sh).
 *
 * @module
 */

/** Quotes a word for the guest's sh. */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A connected control channel. */
export class ControlChannel {
  #conn: Deno.UnixConn;
  #text = "";
  #wake = () => {};
  #nextId = 1;
  #queue: Promise<unknown> = Promise.resolve();
  #guestGone: () => boolean;

  private constructor(conn: Deno.UnixConn, guestGone: () => boolean) {
    this.#conn = conn;
    this.#guestGone = guestGone;
    this.#readAll();
  }

  /**
   * Connects to QEMU's socket at `path`; `guestGone` says whether QEMU has
   * exited, so a command fails at once instead of at its timeout.
   */
  static async connect(
    path: string,
    guestGone: () => boolean,
  ): Promise<ControlChannel> {
    const conn = await Deno.connect({ transport: "unix", path });
    return new ControlChannel(conn, guestGone);
  }

  async #readAll(): Promise<void> {
    const decoder = new TextDecoder();
    try {
      for await (const chunk of this.#conn.readable) {
        this.#text += decoder.decode(chunk, { stream: true });
        this.#wake();
      }
    } catch {
      // the guest went away
    }
    this.#wake();
  }

  /**
   * Runs a shell command in the guest; resolves with its output (stdout and
   * stderr together) and exit code. Commands run one at a time.
   */
  command(
    cmd: string,
    timeoutMs = 30_000,
  ): Promise<{ output: string; code: number }> {
    const next = this.#queue.then(() => this.#run(cmd, timeoutMs));
    this.#queue = next.catch(() => {});
    return next;
  }

  /** Like command(), but throws unless the command exits 0. */
  async must(cmd: string, timeoutMs = 30_000): Promise<string> {
    const { output, code } = await this.command(cmd, timeoutMs);
    if (code !== 0) {
      // Never echo the command: it may carry a password.
      throw new Error(`guest command failed (exit ${code}): ${output.trim()}`);
    }
    return output;
  }

  async #run(
    cmd: string,
    timeoutMs: number,
  ): Promise<{ output: string; code: number }> {
    const id = this.#nextId++;
    const b64 = btoa(String.fromCharCode(...new TextEncoder().encode(cmd)));
    const start = this.#text.length;
    await this.#conn.write(new TextEncoder().encode(`${id} ${b64}\n`));
    const end = new RegExp(`@@NSR-END ${id} (\\d+)\\r?\\n`);
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const text = this.#text.slice(start);
      const m = text.match(end);
      if (m) {
        return { output: text.slice(0, m.index), code: Number(m[1]) };
      }
      if (this.#guestGone()) throw new Error("guest exited during a command");
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`guest command timed out (${timeoutMs} ms)`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  /** Closes the socket (QEMU keeps running). */
  close(): void {
    try {
      this.#conn.close();
    } catch {
      // already closed
    }
  }
}

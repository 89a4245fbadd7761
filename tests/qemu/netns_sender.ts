/**
 * A UDP sender that lives inside the tap network's namespace (`deno run -A
 * netns_sender.ts` under `ip netns exec`, one JSON command a line on
 * stdin), so the host can send to any address routed into the guest
 * without starting a process per packet.
 *
 * @module
 */

import dgram from "node:dgram";
import { fromHex, hex } from "../../core/hex.ts";

/** A sender in the tap network's namespace, fed one command a line. */
export class NetnsSender {
  #child: Deno.ChildProcess;
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #lines: AsyncIterator<string>;

  constructor(netns: string) {
    const self = new URL(import.meta.url).pathname;
    this.#child = new Deno.Command("ip", {
      args: ["netns", "exec", netns, Deno.execPath(), "run", "-A", self],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#writer = this.#child.stdin.getWriter();
    this.#lines = lines(this.#child.stdout)[Symbol.asyncIterator]();
  }

  async #call(command: unknown): Promise<Record<string, unknown>> {
    const line = JSON.stringify(command) + "\n";
    await this.#writer.write(new TextEncoder().encode(line));
    const { value, done } = await this.#lines.next();
    if (done) throw new Error("the namespace sender exited");
    return JSON.parse(value);
  }

  /** Sends `packets` in order from a fresh socket that keeps listening. */
  async send(host: string, packets: Uint8Array[]): Promise<void> {
    await this.#call({ send: { host, packets: packets.map(hex) } });
  }

  /**
   * Waits for `want` replies (or `timeoutMs`), then `graceMs` more for
   * any extra one; closes the socket and returns every reply it got.
   */
  async collect(
    want: number,
    timeoutMs: number,
    graceMs: number,
  ): Promise<Uint8Array[]> {
    const out = await this.#call({ collect: { want, timeoutMs, graceMs } });
    return (out.replies as string[]).map(fromHex);
  }

  async close(): Promise<void> {
    await this.#writer.close().catch(() => {});
    await this.#child.status;
    await this.#child.stdout.cancel().catch(() => {});
  }
}

async function* lines(stream: ReadableStream<Uint8Array>) {
  let buf = "";
  for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
    buf += chunk;
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      yield buf.slice(0, i);
      buf = buf.slice(i + 1);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The namespace side of NetnsSender. */
async function serve(): Promise<void> {
  let socket: dgram.Socket | undefined;
  let replies: Uint8Array[] = [];
  const print = (o: unknown) => console.log(JSON.stringify(o));
  for await (const line of lines(Deno.stdin.readable)) {
    const cmd = JSON.parse(line);
    if (cmd.send) {
      const { host, packets } = cmd.send;
      socket = dgram.createSocket(host.includes(":") ? "udp6" : "udp4");
      replies = [];
      socket.on("message", (m: Uint8Array) => replies.push(new Uint8Array(m)));
      await new Promise<void>((r) => socket!.bind(0, r));
      for (const packet of packets as string[]) {
        await new Promise<void>((resolve, reject) =>
          socket!.send(
            fromHex(packet),
            9,
            host,
            (e) => e ? reject(e) : resolve(),
          )
        );
      }
      print({ sent: packets.length });
    } else if (cmd.collect) {
      const { want, timeoutMs, graceMs } = cmd.collect;
      const deadline = Date.now() + timeoutMs;
      while (replies.length < want && Date.now() < deadline) await sleep(10);
      await sleep(graceMs);
      socket?.close();
      socket = undefined;
      print({ replies: replies.map(hex) });
    }
  }
}

if (import.meta.main) await serve();

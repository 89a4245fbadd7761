/**
 * UDP from the host to the guest: send datagrams from one socket and collect
 * the replies. Also a command-line tool (`deno run -A udp.ts` with a JSON
 * job on stdin) so a test can run the same exchange inside a network
 * namespace with `ip netns exec`.
 *
 * @module
 */

import dgram from "node:dgram";
import { fromFileUrl } from "./_util.ts";
import { fromHex, hex } from "../../core/hex.ts";

/** One exchange: where to send, what, and when to stop listening. */
export interface ExchangeJob {
  host: string;
  port: number;
  packets: Uint8Array[];
  /** Stop as soon as this many replies arrived (default: listen out the timeout). */
  want?: number;
  /** Give up this long after the last packet was sent. */
  timeoutMs: number;
  /** Pause after every `burst` packets, to pace floods through QEMU. */
  gapMs?: number;
  /** Packets per pause (default 1). */
  burst?: number;
  /** Extra pauses: packet index -> milliseconds to wait before sending it. */
  pauses?: Record<number, number>;
  /** Stop once this says the replies so far are enough (in-process only). */
  stopWhen?: (replies: Uint8Array[]) => boolean;
  /** Stop once this settles (in-process only). */
  until?: Promise<unknown>;
}

/**
 * Sends `job.packets` in order from one socket and returns every reply
 * received until `want` replies or the timeout.
 */
export async function exchange(job: ExchangeJob): Promise<Uint8Array[]> {
  const type = job.host.includes(":") ? "udp6" : "udp4";
  const socket = dgram.createSocket(type);
  const replies: Uint8Array[] = [];
  let wake = () => {};
  socket.on("message", (msg: Uint8Array) => {
    replies.push(new Uint8Array(msg));
    wake();
  });
  await new Promise<void>((resolve) => socket.bind(0, resolve));
  try {
    for (const [i, packet] of job.packets.entries()) {
      const pause = job.pauses?.[i];
      if (pause) await new Promise((r) => setTimeout(r, pause));
      await new Promise<void>((resolve, reject) =>
        socket.send(packet, job.port, job.host, (err) => {
          if (err) reject(err);
          else resolve();
        })
      );
      if (job.gapMs && (i + 1) % (job.burst ?? 1) === 0) {
        await new Promise((r) => setTimeout(r, job.gapMs));
      }
    }
    const want = job.want ?? Infinity;
    const enough = () =>
      replies.length >= want || (job.stopWhen?.(replies) ?? false);
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, job.timeoutMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      wake = () => {
        if (enough()) done();
      };
      job.until?.then(done, done);
      wake();
    });
  } finally {
    socket.close();
  }
  return replies;
}

/**
 * The same exchange from inside network namespace `netns`: this file runs
 * there as a tool under `ip netns exec`, the job and the replies crossing
 * as JSON. (stopWhen and until cannot cross: a tap-network test stops at
 * `want` replies or the timeout.)
 */
export async function exchangeInNetns(
  netns: string,
  job: ExchangeJob,
): Promise<Uint8Array[]> {
  const wire = {
    host: job.host,
    port: job.port,
    packets: job.packets.map(hex),
    want: job.want,
    timeoutMs: job.timeoutMs,
    gapMs: job.gapMs,
    burst: job.burst,
    pauses: job.pauses,
  };
  const tool = fromFileUrl(new URL(import.meta.url));
  const child = new Deno.Command("ip", {
    args: ["netns", "exec", netns, Deno.execPath(), "run", "-A", tool],
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(JSON.stringify(wire)));
  await writer.close();
  const out = await child.output();
  const result = JSON.parse(new TextDecoder().decode(out.stdout));
  return (result.replies as string[]).map(fromHex);
}

if (import.meta.main) {
  // stdin: {"host","port","packets":[hex],"want","timeoutMs","gapMs"}
  const text = await new Response(Deno.stdin.readable).text();
  const job = JSON.parse(text);
  const replies = await exchange({
    ...job,
    packets: job.packets.map(fromHex),
  });
  console.log(JSON.stringify({ replies: replies.map(hex) }));
}

/**
 * The client's side of the output channel (docs/PROTOCOL.md, "Output"):
 * collect one request's output messages, believe only those that open
 * under its output key, reassemble them in index order, and say what is
 * missing. The exchange (cli/exchange.ts) feeds it every datagram that
 * echoes the request's nonce and looks like an output message.
 *
 * @module
 */

import { openOutput, type OutputKey } from "../core/output.ts";

/** What one host's output came to. */
export interface OutputReport {
  /** Each index in order: its text, or null for a chunk that never came. */
  parts: (Uint8Array | null)[];
  /** LAST and every index before it arrived. */
  complete: boolean;
  /** The LAST message arrived. */
  ended: boolean;
  /** LAST said the server cut the output at its limit. */
  truncated: boolean;
  /** LAST said a completion line (s, u) had not come when the server stopped waiting. */
  unfinished: boolean;
  /** Indexes below LAST (or below the highest seen) that never arrived. */
  missing: number[];
  /** Messages that failed authentication or were not this request's. */
  dropped: number;
  /** Authentic messages received (a duplicate counts once). */
  chunks: number;
}

/** How long to wait for output after the ack. */
export interface OutputWait {
  /** Give up when no new chunk came for this long (ms). */
  idleMs: number;
  /** Give up this long after the ack whatever comes (ms). */
  maxMs: number;
}

/** One request's output messages, as they come. */
export class OutputCollector {
  #key: OutputKey | (() => OutputKey);
  #chunks = new Map<number, Uint8Array>();
  #last: { index: number; truncated: boolean; unfinished: boolean } | null =
    null;
  #dropped = 0;
  #changed: () => void = () => {};

  /**
   * `key`: the output key, or what derives it on the first message (most
   * hosts of a fleet send none: an HMAC per host saved).
   */
  constructor(key: OutputKey | (() => OutputKey)) {
    this.#key = key;
  }

  /**
   * Take one datagram that claims to be this request's output: true when
   * it is (new or a duplicate), false when it was dropped and counted.
   */
  take(packet: Uint8Array): boolean {
    if (typeof this.#key === "function") this.#key = this.#key();
    const chunk = openOutput(this.#key, packet);
    if (chunk === null) {
      this.#dropped++;
      return false;
    }
    if (this.#chunks.has(chunk.index)) return true; // a copy: same bytes
    if (this.#last !== null && chunk.index > this.#last.index) {
      // Authentic, yet past LAST: a server bug; keep to what LAST said.
      return true;
    }
    this.#chunks.set(chunk.index, chunk.text);
    if (chunk.last) {
      this.#last = {
        index: chunk.index,
        truncated: chunk.truncated,
        unfinished: chunk.unfinished,
      };
      for (const index of this.#chunks.keys()) {
        if (index > chunk.index) this.#chunks.delete(index);
      }
    }
    this.#changed();
    return true;
  }

  /** Whether LAST and every index before it arrived. */
  get complete(): boolean {
    return this.#last !== null && this.#chunks.size === this.#last.index + 1;
  }

  /** Whether any authentic chunk arrived. */
  get started(): boolean {
    return this.#chunks.size > 0;
  }

  /**
   * Wait until the output is complete, or no new chunk came for
   * `wait.idleMs`, or `wait.maxMs` passed.
   */
  async collect(wait: OutputWait): Promise<void> {
    const deadline = performance.now() + wait.maxMs;
    while (!this.complete) {
      const left = Math.min(wait.idleMs, deadline - performance.now());
      if (left <= 0) return;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const progressed = await new Promise<boolean>((resolve) => {
        this.#changed = () => resolve(true);
        timer = setTimeout(() => resolve(false), left);
      });
      clearTimeout(timer);
      this.#changed = () => {};
      if (!progressed) return;
    }
  }

  /** What arrived so far. */
  report(): OutputReport {
    const highest = this.#last?.index ??
      Math.max(-1, ...this.#chunks.keys());
    const parts: (Uint8Array | null)[] = [];
    const missing: number[] = [];
    for (let index = 0; index <= highest; index++) {
      const text = this.#chunks.get(index) ?? null;
      parts.push(text);
      if (text === null) missing.push(index);
    }
    return {
      parts,
      complete: this.complete,
      ended: this.#last !== null,
      truncated: this.#last?.truncated ?? false,
      unfinished: this.#last?.unfinished ?? false,
      missing,
      dropped: this.#dropped,
      chunks: this.#chunks.size,
    };
  }
}

/**
 * How long the client waits for output after an ack that says it follows:
 * until nothing new came for three times the reply timeout, plus the
 * server's default wait for a completion line (5 s) when the keys hold `s`
 * or `u`, or for a safe reboot's steps (its default bound, 10 s, and the 1 s
 * the server gives its last message); 60 s at most in all (1 MiB, the
 * server's largest limit, takes 16 s at its 64 messages a second).
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { outputWait } from "./output_channel.ts";
 * assert.deepEqual(outputWait("w", 1000), { idleMs: 3000, maxMs: 60000 });
 * assert.deepEqual(outputWait("sw", 1000), { idleMs: 8000, maxMs: 60000 });
 * assert.deepEqual(outputWait("b", 1000, true), { idleMs: 14000, maxMs: 60000 });
 * ```
 */
export function outputWait(
  keys: string,
  timeoutMs: number,
  safeReboot = false,
): OutputWait {
  const completion = safeReboot
    ? SAFE_REBOOT_WAIT_MS
    : /[su]/.test(keys)
    ? SERVER_WAIT_MS
    : 0;
  return { idleMs: 3 * timeoutMs + completion, maxMs: MAX_WAIT_MS };
}

/** The server's default `output_wait`: how long it waits for "… complete". */
const SERVER_WAIT_MS = 5000;
/** The server's default `safe_reboot_wait`, and its 1 s for the last words. */
const SAFE_REBOOT_WAIT_MS = 11_000;
/** The most the client waits for one host's output. */
const MAX_WAIT_MS = 60_000;

/** What became of one host's output, as the result reports it. */
export type HostOutput =
  /** OUTPUT_FOLLOWS (or a re-ack whose first copy's output came here). */
  | {
    state: "received";
    report: OutputReport;
    /** Where --output wrote it. */
    file?: string;
    /** Why --output could not write it. */
    fileError?: string;
  }
  /** OUTPUT_BUSY: another request's output was being sent; none comes. */
  | { state: "busy" }
  /** A re-ack: the output went to the first copy's source, none came here. */
  | { state: "elsewhere" }
  /** Asked for, but the ack announced none: the server does not send it. */
  | { state: "off" };

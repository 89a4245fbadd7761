/**
 * A minimal receiver of output (docs/PROTOCOL.md, "Output") for the QEMU
 * scenarios: requests with OUTPUT_WANTED, their acks, and the output
 * messages opened with node:crypto alone — HMAC-SHA256 for the tags and
 * the output key O, RFC 8439 ChaCha20-Poly1305 for the messages — so the
 * kernel is checked against an implementation that shares no code with it
 * or with the WASM core. The full client (printing, escaping, missing
 * chunks) is cli/'s. Password mode only.
 *
 * @module
 */

import {
  createDecipheriv,
  createHmac,
  pbkdf2Sync,
  timingSafeEqual,
} from "node:crypto";
import { encodeAddress } from "../../core/address.ts";
import { defaultKernel, hasModule } from "./kernels.ts";
import { concat } from "./_util.ts";
import {
  KDF_ITERATIONS,
  KDF_SALT,
  NONCE_LEN,
  OFF_NONCE,
} from "../../core/constants.ts";

export const FLAG_ACK_WANTED = 0x01;
export const FLAG_OUTPUT_WANTED = 0x02;
export const ACK_REPEAT = 0x01;
export const ACK_OUTPUT_FOLLOWS = 0x02;
export const ACK_OUTPUT_BUSY = 0x04;
export const OUT_LAST = 0x01;
export const OUT_TRUNCATED = 0x02;
export const OUT_UNFINISHED = 0x04;

const TYPE_REQUEST = 1;
const TYPE_ACK = 2;
const TYPE_PROBE = 4;
const TYPE_CLOCK = 5;
const TYPE_OUTPUT = 6;
const MAGIC = [0x4e, 0x53, 0x52, 0x51];
const enc = new TextEncoder();
const label = (name: string) => enc.encode(`netsysrq v2 ${name}\0`);

/** A request this receiver made, and what its replies must match. */
export interface OutRequest {
  packet: Uint8Array;
  keys: string;
}

/** An ack, as the server sealed it. */
export interface OutAck {
  flags: number;
  statuses: number[];
}

/** One opened output message. */
export interface OutMessage {
  index: number;
  flags: number;
  text: Uint8Array;
}

/** The output of one request, as far as it arrived. */
export interface Output {
  messages: OutMessage[];
  /** Type-6 messages for this request whose tag did not verify. */
  forged: number;
  /** The whole text, in index order, when LAST and every index arrived. */
  text?: Uint8Array;
  last?: OutMessage;
}

/** The guest's boot id and protocol clock, as a clock answer told them. */
export interface Clock {
  bootId: Uint8Array;
  serverTime: number;
  /** performance.now() when the answer arrived. */
  at: number;
  /** An info probe's facts (docs/PROTOCOL.md, "Clock answer"). */
  info?: Uint8Array;
}

/**
 * Whether the kernel under test has the ChaCha20-Poly1305 library output
 * needs (Debian's do; our 6.18-debug and 7.1 test kernels do not). True
 * when there is no kernel yet: the boot then says what to install.
 */
export function kernelHasAead(): boolean {
  let kernel: string;
  try {
    kernel = defaultKernel();
  } catch {
    return true;
  }
  return hasModule(kernel, "libchacha20poly1305");
}

/** The facts' capability bit for output (byte 3, bit 2). */
export const CAP_OUTPUT = 0x04;

/**
 * Builds requests and opens replies with one password, for one address.
 * Requests are stamped from the guest's clock (ask it with a probe
 * first), each after the last.
 */
export class OutputReceiver {
  readonly #key: Uint8Array;
  readonly #addr: Uint8Array;
  #last = 0;
  clock?: Clock;

  constructor(password: string, serverAddress: string) {
    this.#key = new Uint8Array(
      pbkdf2Sync(password, KDF_SALT, KDF_ITERATIONS, 32, "sha256"),
    );
    this.#addr = encodeAddress(serverAddress);
  }

  #hmac(...parts: Uint8Array[]): Uint8Array {
    const h = createHmac("sha256", this.#key);
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
  }

  /**
   * A probe (the client's "what is your boot id and clock?"); with `info`,
   * an info probe, whose answer carries the server's facts.
   */
  probe(info = false): Uint8Array {
    const body = new Uint8Array(info ? 64 : 40);
    body.set(MAGIC);
    body.set([2, TYPE_PROBE, 0, info ? 24 : 0], 4);
    body.set(crypto.getRandomValues(new Uint8Array(NONCE_LEN)), OFF_NONCE);
    const tag = this.#hmac(label("prb"), this.#addr, body).subarray(0, 16);
    return concat(body, tag);
  }

  /**
   * Learns the guest's clock from the answer to `probe` among `replies`;
   * an info probe's answer also gives its 24 bytes of facts.
   */
  learn(probe: Uint8Array, replies: Uint8Array[]): Clock {
    const at = performance.now();
    for (const r of replies) {
      if (r.length !== probe.length || r[5] !== TYPE_CLOCK) continue;
      const body = r.subarray(0, r.length - 16);
      const tag = this.#hmac(label("clk"), this.#addr, body).subarray(0, 16);
      if (!timingSafeEqual(tag, r.subarray(r.length - 16))) continue;
      if (!sameBytes(r.subarray(24, 40), probe.subarray(24, 40))) continue;
      const serverTime = Number(
        new DataView(r.buffer, r.byteOffset).getBigUint64(16),
      );
      this.clock = { bootId: r.slice(8, 16), serverTime, at };
      if (r.length > 56) this.clock.info = r.slice(40, 64);
      return this.clock;
    }
    throw new Error(`no verified clock answer among ${replies.length} replies`);
  }

  /**
   * A sealed request for `keys`, for the learnt boot id, stamped from the
   * learnt clock after every earlier stamp (or at `time`).
   */
  request(
    keys: string,
    flags = FLAG_ACK_WANTED | FLAG_OUTPUT_WANTED,
    time?: number,
  ): OutRequest {
    const clock = this.clock;
    if (!clock) throw new Error("probe the guest first");
    const now = clock.serverTime + Math.floor(performance.now() - clock.at);
    time ??= this.#last = Math.max(now, this.#last + 1);
    const bootId = clock.bootId;
    const body = new Uint8Array(40 + keys.length);
    body.set(MAGIC);
    body.set([2, TYPE_REQUEST, flags, keys.length], 4);
    body.set(bootId, 8);
    new DataView(body.buffer).setBigUint64(16, BigInt(time));
    body.set(crypto.getRandomValues(new Uint8Array(NONCE_LEN)), OFF_NONCE);
    body.set(enc.encode(keys), 40);
    const tag = this.#hmac(label("req"), this.#addr, body).subarray(0, 16);
    return { packet: concat(body, tag), keys };
  }

  /** The verified ack of `req` among `replies`, if one came. */
  ack(req: OutRequest, replies: Uint8Array[]): OutAck | undefined {
    for (const r of replies) {
      if (r.length !== req.packet.length || r[5] !== TYPE_ACK) continue;
      const body = r.subarray(0, r.length - 16);
      const tag = this.#hmac(label("ack"), this.#addr, body).subarray(0, 16);
      if (!timingSafeEqual(tag, r.subarray(r.length - 16))) continue;
      // Boot id, time, key id and nonce: the request's.
      if (!sameBytes(r.subarray(8, 40), req.packet.subarray(8, 40))) continue;
      return { flags: r[6], statuses: [...r.subarray(40, r.length - 16)] };
    }
    return undefined;
  }

  /** The output messages of `req` among `replies`, opened. */
  output(req: OutRequest, replies: Uint8Array[]): Output {
    const o = this.#hmac(label("out"), this.#addr, req.packet.subarray(0, 40));
    const out: Output = { messages: [], forged: 0 };
    for (const r of replies) {
      if (r.length < 58 || r[5] !== TYPE_OUTPUT) continue;
      if (!sameBytes(r.subarray(8, 40), req.packet.subarray(8, 40))) continue;
      const index = r[40] << 8 | r[41];
      const text = open(o, index, r);
      if (!text) {
        out.forged++;
        continue;
      }
      out.messages.push({ index, flags: r[6], text });
    }
    out.messages.sort((a, b) => a.index - b.index);
    out.last = out.messages.find((m) => m.flags & OUT_LAST);
    const complete = out.last !== undefined &&
      out.messages.length === out.last.index + 1 &&
      out.messages.every((m, i) => m.index === i);
    if (complete) out.text = concat(...out.messages.map((m) => m.text));
    return out;
  }

  /** For Vm.exchange: stop once `req`'s output is complete. */
  complete(req: OutRequest): (replies: Uint8Array[]) => boolean {
    return (replies) => this.output(req, replies).text !== undefined;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** The plaintext of output message `msg` under `o`, or null if forged. */
function open(
  o: Uint8Array,
  index: number,
  msg: Uint8Array,
): Uint8Array | null {
  const iv = new Uint8Array(12);
  new DataView(iv.buffer).setBigUint64(4, BigInt(index), true);
  const d = createDecipheriv("chacha20-poly1305", o, iv, {
    authTagLength: 16,
  });
  const ct = msg.subarray(42, msg.length - 16);
  d.setAAD(msg.subarray(0, 42), { plaintextLength: ct.length });
  d.setAuthTag(msg.subarray(msg.length - 16));
  try {
    return new Uint8Array([...d.update(ct), ...d.final()]);
  } catch {
    return null;
  }
}

/** Output text as a string (bytes that are not UTF-8 become U+FFFD). */
export function textOf(bytes: Uint8Array | undefined): string {
  return new TextDecoder().decode(bytes ?? new Uint8Array());
}

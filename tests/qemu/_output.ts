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

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Builds requests and opens replies with one password, for one address. */
export class OutputReceiver {
  readonly #key: Uint8Array;
  readonly #addr: Uint8Array;

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

  /** A sealed request for `keys`, stamped `time` for `bootId`. */
  request(
    keys: string,
    bootId: Uint8Array,
    time: number,
    flags = FLAG_ACK_WANTED | FLAG_OUTPUT_WANTED,
  ): OutRequest {
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

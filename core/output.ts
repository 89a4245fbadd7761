/**
 * Output messages (type 6, docs/PROTOCOL.md "Output (type 6)"): what the
 * keys of an accepted request printed, sealed with ChaCha20-Poly1305 under
 * a key derived from the request's. The client opens them; the test
 * responder and the vectors create them. The AEAD is `node:crypto`'s
 * `chacha20-poly1305` (RFC 8439), the same in Deno, in Node (the bundle) and
 * in the compiled binary; the key derivation is the MAC key's HMAC-SHA256.
 *
 * {@link openOutput} never throws on what came from the network: anything
 * that is not an authentic output message of the request it is given is
 * `null`. It throws only on wrong arguments.
 *
 * @module
 */

import { createCipheriv, createDecipheriv } from "node:crypto";
import { addressBytes } from "./address.ts";
import {
  ADDR_LEN,
  OFF_KEY_ID,
  OUT_FIXED_LEN,
  OUT_FLAG_LAST,
  OUT_FLAG_TRUNCATED,
  OUT_FLAG_UNFINISHED,
  OUT_ID_LEN,
  OUT_KEY_LEN,
  OUT_MAX_LEN,
  OUT_OFF_ID,
  OUT_OFF_INDEX,
  OUT_OFF_TEXT,
  OUT_REQUEST_HEAD,
  OUT_TAG_LEN,
  OUT_TEXT_MAX,
  PROTOCOL_VERSION,
  TYPE_OUTPUT,
} from "./constants.ts";
import { hmacSha256, type MacKey } from "./key.ts";
import { checkBytes, checkInteger, checkMacKey } from "./_validate.ts";

/** The output key's label: 15 ASCII bytes and a NUL (PROTOCOL.md, "Keys"). */
const LABEL = new TextEncoder().encode("netsysrq v2 out\0");
const MAGIC = [0x4e, 0x53, 0x52, 0x51]; // "NSRQ"
const AEAD = "chacha20-poly1305";
/** The flag bits an output message may carry. */
const FLAGS_KNOWN = OUT_FLAG_LAST | OUT_FLAG_TRUNCATED | OUT_FLAG_UNFINISHED;
/** The flags that only the LAST message may carry. */
const FLAGS_LAST_ONLY = OUT_FLAG_TRUNCATED | OUT_FLAG_UNFINISHED;

interface Sealed {
  /** O: 32 bytes, secret. */
  key: Uint8Array;
  /** The request's bytes 8..40: every output message's bytes 8..40. */
  id: Uint8Array;
}

const secrets = new WeakMap<OutputKey, Sealed>();

/**
 * The output key `O` of one request, and the request id its messages
 * carry. Opaque: the key bytes cannot be read back from it. Make one with
 * {@link outputKey}.
 */
export class OutputKey {
  private constructor() {}

  /** Internal to this module: wrap `sealed`. */
  static wrap(sealed: Sealed): OutputKey {
    const key = new OutputKey();
    secrets.set(key, sealed);
    return key;
  }
}

function sealedOf(key: OutputKey): Sealed {
  const sealed = secrets.get(key);
  if (sealed === undefined) {
    throw new TypeError("key must be an OutputKey (from outputKey)");
  }
  return sealed;
}

/**
 * Derive the output key of a request:
 * `O = HMAC-SHA256(K, "netsysrq v2 out\0" ‖ A ‖ request[0..40))`, where `A`
 * is the server's address (password mode, key id 0) or 16 zero bytes (a
 * server key), as for the request's own MAC.
 *
 * @param key the request's MAC key (the password's, or the server key).
 * @param options `request`: the request's bytes as sent (at least 40);
 * `serverAddress`: the address its MAC covered, required in password mode.
 * @throws {TypeError} on a wrong type, or a password-mode request without
 * a `serverAddress`, or one that is not an IP address.
 * @throws {RangeError} on a request shorter than 40 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MacKey } from "../mod.ts";
 * import { createOutput, openOutput, outputKey } from "./output.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32).fill(5));
 * const request = new Uint8Array(57); // as sent; its key id 0: password mode
 * const out = outputKey(key, { request, serverAddress: "192.0.2.7" });
 * const text = new TextEncoder().encode("sysrq: Show Blocked State\n");
 * const message = createOutput(out, { index: 0, text, last: true });
 * const chunk = openOutput(out, message);
 * assert.equal(new TextDecoder().decode(chunk?.text), "sysrq: Show Blocked State\n");
 * assert.equal(chunk?.last, true);
 * message[50] ^= 1; // corrupted on the way
 * assert.equal(openOutput(out, message), null);
 * ```
 */
export function outputKey(
  key: MacKey,
  options: { request: Uint8Array; serverAddress?: string },
): OutputKey {
  checkMacKey(key);
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
  const request = checkBytes(options.request, "request");
  if (request.length < OUT_REQUEST_HEAD) {
    throw new RangeError(
      `request must be at least ${OUT_REQUEST_HEAD} bytes, got ${request.length}`,
    );
  }
  const input = new Uint8Array(LABEL.length + ADDR_LEN + OUT_REQUEST_HEAD);
  input.set(LABEL);
  input.set(addressOf(request, options.serverAddress), LABEL.length);
  input.set(request.subarray(0, OUT_REQUEST_HEAD), LABEL.length + ADDR_LEN);
  const derived = hmacSha256(key, input);
  if (derived.length !== OUT_KEY_LEN) throw new Error("HMAC is not 32 bytes");
  const id = request.slice(OUT_OFF_ID, OUT_OFF_ID + OUT_ID_LEN);
  return OutputKey.wrap({ key: derived, id });
}

/** The MAC's address A: the server's address for key id 0, else zeros. */
function addressOf(request: Uint8Array, serverAddress?: string): Uint8Array {
  const view = new DataView(request.buffer, request.byteOffset);
  if (view.getUint32(OFF_KEY_ID) !== 0) return new Uint8Array(ADDR_LEN);
  if (typeof serverAddress !== "string") {
    throw new TypeError(
      "serverAddress must be a string: a password-mode request's MAC covers it",
    );
  }
  return addressBytes(serverAddress);
}

/** One authentic output message, opened. */
export interface OutputChunk {
  /** Its place in the output: 0, 1, 2 … */
  index: number;
  /** LAST: no message with a higher index follows. */
  last: boolean;
  /** TRUNCATED (with LAST): the output was cut at the server's limit. */
  truncated: boolean;
  /** UNFINISHED (with LAST): a completion line did not come in time. */
  unfinished: boolean;
  /** Its bytes of output text, as the kernel logged them (any bytes). */
  text: Uint8Array;
}

/** The AEAD nonce of message `index`: 4 zero bytes, then index as LE u64. */
function nonceOf(index: number): Uint8Array {
  const nonce = new Uint8Array(12);
  new DataView(nonce.buffer).setBigUint64(4, BigInt(index), true);
  return nonce;
}

/**
 * Build output message `index` of a request (what the server sends; here
 * for the test responder and the vectors).
 *
 * @param key the request's {@link OutputKey}.
 * @param options `index` 0..65535; `text` 0..1024 bytes; `last`, and with
 * it `truncated` and `unfinished`.
 * @returns the message, 58 + text length bytes.
 * @throws {TypeError} on a wrong type.
 * @throws {RangeError} on an index or text length out of range, or
 * TRUNCATED or UNFINISHED without LAST.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MacKey } from "../mod.ts";
 * import { createOutput, outputKey } from "./output.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const out = outputKey(key, { request: new Uint8Array(57), serverAddress: "::1" });
 * const empty = createOutput(out, { index: 0, text: new Uint8Array(0), last: true });
 * assert.equal(empty.length, 58); // "the keys printed nothing", authenticated
 * assert.throws(() => createOutput(out, { index: 1, text: new Uint8Array(1025) }), RangeError);
 * ```
 */
export function createOutput(
  key: OutputKey,
  options: {
    index: number;
    text: Uint8Array;
    last?: boolean;
    truncated?: boolean;
    unfinished?: boolean;
  },
): Uint8Array {
  const sealed = sealedOf(key);
  if (typeof options !== "object" || options === null) {
    throw new TypeError("options must be an object");
  }
  const index = checkInteger(options.index, "index");
  if (index < 0 || index > 0xffff) {
    throw new RangeError(`index must be 0..65535, got ${index}`);
  }
  const text = checkBytes(options.text, "text");
  if (text.length > OUT_TEXT_MAX) {
    throw new RangeError(
      `text must be at most ${OUT_TEXT_MAX} bytes, got ${text.length}`,
    );
  }
  const flags = flagsOf(options);
  const message = new Uint8Array(OUT_FIXED_LEN + text.length);
  message.set(MAGIC);
  message[4] = PROTOCOL_VERSION;
  message[5] = TYPE_OUTPUT;
  message[6] = flags;
  message.set(sealed.id, OUT_OFF_ID);
  new DataView(message.buffer).setUint16(OUT_OFF_INDEX, index);
  const cipher = createCipheriv(AEAD, sealed.key, nonceOf(index), {
    authTagLength: OUT_TAG_LEN,
  });
  cipher.setAAD(message.subarray(0, OUT_OFF_TEXT), {
    plaintextLength: text.length,
  });
  const body = cipher.update(text);
  cipher.final();
  message.set(body, OUT_OFF_TEXT);
  message.set(cipher.getAuthTag(), OUT_OFF_TEXT + text.length);
  return message;
}

function flagsOf(options: {
  last?: boolean;
  truncated?: boolean;
  unfinished?: boolean;
}): number {
  const bit = (value: unknown, name: string, flag: number) => {
    if (value === undefined) return 0;
    if (typeof value !== "boolean") {
      throw new TypeError(`${name} must be a boolean`);
    }
    return value ? flag : 0;
  };
  const flags = bit(options.last, "last", OUT_FLAG_LAST) |
    bit(options.truncated, "truncated", OUT_FLAG_TRUNCATED) |
    bit(options.unfinished, "unfinished", OUT_FLAG_UNFINISHED);
  if ((flags & FLAGS_LAST_ONLY) !== 0 && (flags & OUT_FLAG_LAST) === 0) {
    throw new RangeError("truncated and unfinished go with last only");
  }
  return flags;
}

/**
 * Open an output message of the request `key` was derived for: its frame
 * (length, magic, version, type, flags, count), its request id and its tag
 * must all be right.
 *
 * @param key the request's {@link OutputKey}.
 * @param packet a datagram as received.
 * @returns the chunk, or null for anything else: a malformed or foreign
 * message, another request's, or one that fails authentication.
 * @throws {TypeError} only on a wrong argument type.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { MacKey } from "../mod.ts";
 * import { createOutput, openOutput, outputKey } from "./output.ts";
 * const key = await MacKey.fromBytes(new Uint8Array(32));
 * const request = crypto.getRandomValues(new Uint8Array(57));
 * request.fill(0xf0, 24, 28); // a server key's id: A is 16 zero bytes
 * const out = outputKey(key, { request });
 * const text = new TextEncoder().encode("x".repeat(1024));
 * const message = createOutput(out, { index: 3, text, last: true, truncated: true });
 * assert.deepEqual(
 *   { ...openOutput(out, message), text: undefined },
 *   { index: 3, last: true, truncated: true, unfinished: false, text: undefined },
 * );
 * const other = outputKey(key, { request: request.map((b) => b ^ 1) });
 * assert.equal(openOutput(other, message), null); // another request's
 * ```
 */
export function openOutput(
  key: OutputKey,
  packet: Uint8Array,
): OutputChunk | null {
  const sealed = sealedOf(key);
  checkBytes(packet, "packet");
  if (!framed(packet, sealed.id)) return null;
  const flags = packet[6];
  const index = (packet[OUT_OFF_INDEX] << 8) | packet[OUT_OFF_INDEX + 1];
  const end = packet.length - OUT_TAG_LEN;
  try {
    const decipher = createDecipheriv(AEAD, sealed.key, nonceOf(index), {
      authTagLength: OUT_TAG_LEN,
    });
    decipher.setAAD(packet.subarray(0, OUT_OFF_TEXT), {
      plaintextLength: end - OUT_OFF_TEXT,
    });
    decipher.setAuthTag(packet.subarray(end));
    const head = decipher.update(packet.subarray(OUT_OFF_TEXT, end));
    const tail = decipher.final(); // throws when the tag does not verify
    const text = new Uint8Array(head.length + tail.length);
    text.set(head);
    text.set(tail, head.length);
    return {
      index,
      last: (flags & OUT_FLAG_LAST) !== 0,
      truncated: (flags & OUT_FLAG_TRUNCATED) !== 0,
      unfinished: (flags & OUT_FLAG_UNFINISHED) !== 0,
      text,
    };
  } catch {
    return null;
  }
}

/**
 * Whether `packet` has an output message's frame and carries request id
 * `id`: every check but the tag, cheapest first.
 */
function framed(packet: Uint8Array, id: Uint8Array): boolean {
  if (packet.length < OUT_FIXED_LEN || packet.length > OUT_MAX_LEN) {
    return false;
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (packet[i] !== MAGIC[i]) return false;
  }
  if (packet[4] !== PROTOCOL_VERSION || packet[5] !== TYPE_OUTPUT) return false;
  const flags = packet[6];
  if ((flags & ~FLAGS_KNOWN) !== 0) return false;
  if ((flags & FLAGS_LAST_ONLY) !== 0 && (flags & OUT_FLAG_LAST) === 0) {
    return false;
  }
  if (packet[7] !== 0) return false;
  // Not secret: the request id travels in clear in every message.
  for (let i = 0; i < OUT_ID_LEN; i++) {
    if (packet[OUT_OFF_ID + i] !== id[i]) return false;
  }
  return true;
}

/**
 * Whether `packet` looks like an output message (magic, version, type):
 * how the client tells an output message from an ack on the same nonce.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { isOutputMessage } from "./output.ts";
 * const m = new Uint8Array(58);
 * m.set([0x4e, 0x53, 0x52, 0x51, 2, 6]);
 * assert.equal(isOutputMessage(m), true);
 * m[5] = 2; // an ack
 * assert.equal(isOutputMessage(m), false);
 * ```
 */
export function isOutputMessage(packet: Uint8Array): boolean {
  return packet.length >= 8 && packet[0] === MAGIC[0] &&
    packet[1] === MAGIC[1] && packet[2] === MAGIC[2] &&
    packet[3] === MAGIC[3] && packet[4] === PROTOCOL_VERSION &&
    packet[5] === TYPE_OUTPUT;
}

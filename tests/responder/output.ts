/**
 * The test responder's output channel: what a kernel sends after the ack of
 * an accepted request that asked for output, with the misbehaviours the
 * client's tests need (chunks lost, a forged or corrupted chunk, a cut at a
 * limit, a server busy with another request's output).
 *
 * @module
 */

import { createOutput, outputKey } from "../../core/output.ts";
import type { MacKey } from "../../mod.ts";

/** How the responder answers a request that asks for output. */
export interface OutputBehaviour {
  /** What the keys "printed" (any bytes); default none: one empty message. */
  text?: string | Uint8Array;
  /** Text bytes per message (default 1024, the protocol's most). */
  chunkSize?: number;
  /** Indexes never sent (lost on the way). */
  lose?: number[];
  /** Cut the text at this many bytes and mark the last message TRUNCATED. */
  limit?: number;
  /** Mark the last message UNFINISHED. */
  unfinished?: boolean;
  /** Ack with OUTPUT_BUSY and send nothing. */
  busy?: boolean;
  /**
   * Bad messages sent before the true ones: "wrong-key" (sealed under
   * another key), "flipped" (a true message with one ciphertext bit
   * changed), "foreign" (another request's), "garbage" (random bytes of an
   * output message's length, with its header).
   */
  forge?: ("wrong-key" | "flipped" | "foreign" | "garbage")[];
  /** Send every message twice (a duplicated datagram). */
  duplicate?: boolean;
  /** Milliseconds between messages (default 1). */
  gapMs?: number;
}

/**
 * The output messages for `request` (its bytes as received), in the order
 * to send them, the bad ones first.
 */
export function outputMessages(
  key: MacKey,
  request: Uint8Array,
  serverAddress: string,
  behaviour: OutputBehaviour,
  otherKey?: MacKey,
): Uint8Array[] {
  const size = behaviour.chunkSize ?? 1024;
  let text = typeof behaviour.text === "string"
    ? new TextEncoder().encode(behaviour.text)
    : behaviour.text ?? new Uint8Array(0);
  const truncated = behaviour.limit !== undefined &&
    text.length > behaviour.limit;
  if (truncated) text = text.subarray(0, behaviour.limit);
  const sealing = outputKey(key, { request, serverAddress });
  const count = Math.max(1, Math.ceil(text.length / size));
  const messages: Uint8Array[] = [];
  for (let index = 0; index < count; index++) {
    const last = index === count - 1;
    messages.push(createOutput(sealing, {
      index,
      text: text.subarray(index * size, (index + 1) * size),
      last,
      truncated: last && truncated,
      unfinished: last && behaviour.unfinished === true,
    }));
  }
  const bad = (behaviour.forge ?? []).map((kind) =>
    forged(kind, key, request, serverAddress, messages[0], otherKey)
  );
  const sent = messages.filter((_, i) => !behaviour.lose?.includes(i));
  return [
    ...bad,
    ...(behaviour.duplicate ? sent.flatMap((m) => [m, m]) : sent),
  ];
}

function forged(
  kind: "wrong-key" | "flipped" | "foreign" | "garbage",
  key: MacKey,
  request: Uint8Array,
  serverAddress: string,
  first: Uint8Array,
  otherKey?: MacKey,
): Uint8Array {
  const text = new TextEncoder().encode("forged: \x1b]0;owned\x07\n");
  switch (kind) {
    case "wrong-key": {
      if (otherKey === undefined) throw new Error("wrong-key needs otherKey");
      const sealing = outputKey(otherKey, { request, serverAddress });
      return createOutput(sealing, { index: 0, text, last: true });
    }
    case "flipped": {
      const copy = first.slice();
      copy[copy.length - 17] ^= 0x20; // the last ciphertext byte (or the tag)
      return copy;
    }
    case "foreign": {
      const other = request.slice();
      other[39] ^= 1; // another nonce: another request's id and key
      const sealing = outputKey(key, { request: other, serverAddress });
      const message = createOutput(sealing, { index: 0, text, last: true });
      message.set(first.subarray(8, 40), 8); // claims to be this request's
      return message;
    }
    case "garbage": {
      const junk = crypto.getRandomValues(new Uint8Array(first.length + 8));
      junk.set(first.subarray(0, 42));
      return junk;
    }
  }
}

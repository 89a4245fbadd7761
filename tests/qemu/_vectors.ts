/**
 * The shared vectors (tests/vectors/) as a plan for a live kernel: which
 * cases a running guest can reproduce, in which module state, and why the
 * others cannot. (The sender that reaches those addresses from the tap
 * network's namespace is netns_sender.ts.)
 *
 * @module
 */

import { fromHex } from "../../core/hex.ts";
import type { LegacyCase, RequestCase } from "../vectors/types.ts";

export type {
  LegacyCase,
  RequestCase,
  VectorServerKey,
} from "../vectors/types.ts";

/** The module state a group of cases needs: one fresh load each. */
export interface Load {
  /** Guest clock (s) when the module loads (legacy: last_seqno), or null. */
  clockS: number | null;
  password: string | null;
  legacy: boolean;
  /** The `keys` parameter's value: "ID:HEX64,..." ("" for none). */
  serverKeys: string;
}

/** A case the guest can reproduce. */
export type Step =
  & { load: Load; /** needs a load of its own */ fresh: boolean }
  & (
    | { kind: "v2"; c: RequestCase }
    | { kind: "legacy"; c: LegacyCase }
  );

/** A case left out, and why. */
export interface Skip {
  name: string;
  reason: string;
}

/** Largest payload each rule reads (kernel/nsr_proto.h); more: "oversize". */
export const V2_MAX_LEN = 80;
export const LEGACY_MAX_LEN = 256;

/**
 * Verdicts of the rungs that need neither the replay state nor the clock
 * (docs/PROTOCOL.md, rungs 1 to 9): their packets replay as bytes.
 */
export const FRAME_VERDICTS = [
  "NO_PASSWORD",
  "TRUNCATED",
  "BAD_MAGIC",
  "BAD_VERSION",
  "BAD_TYPE",
  "BAD_KEY_COUNT",
  "BAD_LENGTH",
  "BAD_FLAGS",
  "BAD_KEY_CHAR",
];

/**
 * Verdicts a live module gives without its replay state or clock: the
 * frame rungs and rung K (an unknown key id). Their packets replay as
 * bytes.
 */
export const STATELESS_VERDICTS = [...FRAME_VERDICTS, "UNKNOWN_KEY"];

/** Type byte of a probe (kernel/nsr_proto.h). */
const TYPE_PROBE = 4;
/** Offset of the key id (docs/PROTOCOL.md, "Messages"). */
export const OFF_KEY_ID = 24;

/** Keys the guest must never run: 'b' reboots it (-no-reboot ends QEMU). */
export const FATAL_KEYS = "bco";

/** Whether a request case's packet is a probe. */
export function isProbe(c: RequestCase): boolean {
  const packet = fromHex(c.packetHex);
  return packet.length > 5 && packet[5] === TYPE_PROBE;
}

/**
 * Orders the cases for one guest and says which cannot run as bytes. A v2
 * case replays as bytes when its packet is judged without the replay state:
 * a frame rung, or a probe (whose answer carries the live boot id and
 * clock). Every other v2 case names a boot id the kernel draws at random and
 * never lets anyone set (a settable one would revive captured packets):
 * those are re-made for the live state (_vectors_live.ts). Legacy cases need the load clock:
 * each accepted one gets its own load.
 */
export function plan(
  requests: RequestCase[],
  legacy: LegacyCase[],
): { steps: Step[]; skipped: Skip[] } {
  const skipped: Skip[] = [];
  const shared = new Map<string, Step[]>();
  const own: Step[] = [];
  for (const c of requests) {
    const why = skipReason(c);
    if (why) {
      skipped.push({ name: c.name, reason: why });
      continue;
    }
    const load: Load = {
      clockS: null,
      password: c.password,
      legacy: false,
      serverKeys: keysParam(c),
    };
    push(shared, JSON.stringify(load), { kind: "v2", c, load, fresh: false });
  }
  for (const c of legacy) {
    const load: Load = {
      clockS: c.state.lastSeqno,
      password: c.password,
      legacy: true,
      serverKeys: "",
    };
    const fresh = c.expected.verdict === "ACCEPTED";
    const step: Step = { kind: "legacy", c, load, fresh };
    if (c.expected.verdict === "ACCEPTED") own.push(step);
    else push(shared, JSON.stringify(load), step);
  }
  return { steps: [...[...shared.values()].flat(), ...own], skipped };
}

function push(map: Map<string, Step[]>, key: string, step: Step): void {
  map.set(key, [...(map.get(key) ?? []), step]);
}

function skipReason(c: RequestCase): string | null {
  if (c.password === null && c.keyHex !== null) {
    return "the kernel derives the password's key itself (no parameter " +
      "takes a derived key for id 0), so a server holding only it cannot " +
      "be set up";
  }
  if (STATELESS_VERDICTS.includes(c.expected.verdict)) return null;
  if (isProbe(c)) return null;
  return "judged against the replay state (boot id, floor, last request), " +
    "whose boot id the kernel draws at random: re-made for the live state " +
    "(_vectors_live.ts), not replayed as bytes";
}

/** Request flag OUTPUT_WANTED (kernel/nsr_output_msg.h). */
const FLAG_OUTPUT_WANTED = 0x02;

/**
 * Whether a live kernel sends output after the case's ack: OUTPUT_FOLLOWS
 * and output messages, which the vector's ack (the verifier's, flags 00)
 * does not model.
 */
export function outputFollows(c: RequestCase): boolean {
  const packet = fromHex(c.packetHex);
  return c.expected.verdict === "ACCEPTED" && packet.length > 6 &&
    (packet[6] & FLAG_OUTPUT_WANTED) !== 0;
}

/** A case's server keys as the `keys` parameter takes them. */
export function keysParam(c: RequestCase): string {
  return (c.serverKeys ?? []).map((k) => `${k.keyIdHex}:${k.keyHex}`).join(
    ",",
  );
}

/** The key id a packet names (0 when it is too short to name one). */
export function keyIdOf(packet: Uint8Array): number {
  if (packet.length < OFF_KEY_ID + 4) return 0;
  return new DataView(packet.buffer, packet.byteOffset).getUint32(OFF_KEY_ID);
}

/**
 * The key a case's server holds under the id its packet names: the
 * password's derived key (id 0) or a server key; null when it has none.
 */
export function serverKeyHex(c: RequestCase, keyId: number): string | null {
  if (keyId === 0) return c.keyHex;
  const hexId = keyId.toString(16).padStart(8, "0");
  return c.serverKeys?.find((k) => k.keyIdHex === hexId)?.keyHex ?? null;
}

/** The rule's key set: every SysRq key but the fatal ones. */
export function safeKeySet(): string {
  let keys = "";
  for (let k = 0x21; k <= 0x7e; k++) {
    const ch = String.fromCharCode(k);
    if (!FATAL_KEYS.includes(ch)) keys += ch;
  }
  return keys;
}

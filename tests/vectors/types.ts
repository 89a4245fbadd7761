/**
 * The shapes of the shared vector files (requests.json, legacy.json,
 * replies.json), as README.md here describes them, for the suites that read
 * them: the WASM core's (tests/unit), the C verifier's (tests/c) and the
 * live kernel's (tests/qemu).
 *
 * @module
 */

/** A server key installed under its id (issue 14). */
export interface VectorServerKey {
  keyIdHex: string;
  keyHex: string;
}

/** The keys a server holds: its password's (id 0) and server keys. */
export interface VectorKeys {
  password: string | null;
  keyHex: string | null;
  /** The server keys installed besides (or instead of) the password. */
  serverKeys?: VectorServerKey[];
}

/** The server's replay state before a request. */
export interface VectorState {
  bootIdHex: string;
  floor: string;
  lastAcceptedHex: string | null;
  lastStatusHex: string | null;
  lastAddressHex: string | null;
  refusalTokens: number;
}

/** One case of requests.json. */
export interface RequestCase extends VectorKeys {
  name: string;
  serverAddress: string;
  addressHex: string;
  now: number;
  toleranceMs: number;
  state: VectorState;
  packetHex: string;
  /** The facts an info probe's answer carries at the vector's server. */
  infoHex?: string;
  expected: {
    verdict: string;
    verdictCode: number;
    floorAfter: string;
    lastAcceptedAfterHex: string | null;
    lastAddressAfterHex: string | null;
    refusalTokensAfter: number;
    replyHex: string | null;
  };
}

/** One case of legacy.json. */
export interface LegacyCase {
  name: string;
  password: string | null;
  serverAddress: string;
  hash: "sha1" | "sha256";
  state: { lastSeqno: number };
  packetHex: string;
  expected: {
    verdict: string;
    verdictCode: number;
    keys: string | null;
    lastSeqnoAfter: number;
  };
}

/**
 * One case of replies.json; keyHex is the key the reply is sealed with,
 * under request.keyIdHex.
 */
export interface ReplyCase extends VectorKeys {
  name: string;
  addressHex: string;
  /** The MAC's address A: the server's address, or zeros (server key). */
  macAddressHex?: string;
  request: { nonceHex: string; keyIdHex?: string; info?: boolean };
  packetHex: string;
  expected:
    | {
      type: "ack";
      bootIdHex: string;
      timestamp: number;
      statuses: number[];
      repeat: boolean;
    }
    | {
      type: "refusal";
      reason: number;
      bootIdHex: string;
      serverTime: number;
    }
    | {
      type: "clock";
      bootIdHex: string;
      serverTime: number;
      infoHex?: string | null;
    }
    | null;
}

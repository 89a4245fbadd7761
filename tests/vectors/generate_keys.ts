/**
 * The cases of keys.json (run through generate.ts): server-key derivations
 * (docs/PROTOCOL.md, "Keys"): admin secret to key id and server keys, with the
 * identities that must be refused.
 *
 * Argon2id is the one derivation Web Crypto lacks: its vector's output is
 * spelled out below as the reference implementation (Debian's `argon2`
 * command, phc-winner-argon2) printed it, and hash-wasm must agree.
 *
 * @module
 */

import { argon2id } from "hash-wasm";
import { fromHex, hex } from "../../core/hex.ts";
import { ADMIN, ADMIN_NEXT, idHex, keyIdOf, serverKeyOf } from "./_generate.ts";

const ARGON2_PASSWORD = "vector-admin-password";
/**
 * Argon2id(ARGON2_PASSWORD, salt "netsysrq v2 admin secret", t = 3,
 * m = 65536 KiB, p = 1, 32 bytes), as the reference implementation printed
 * it: `echo -n vector-admin-password | argon2 "netsysrq v2 admin secret"
 * -id -t 3 -m 16 -p 1 -l 32 -r` (Debian 12's argon2 0~20171227).
 */
const ARGON2_SECRET_HEX =
  "832e40f1e0b9d3cbd7a021b21e60a74d22159ac4b087110b9972a1428f72b372";

async function argon2Secret(password: string): Promise<Uint8Array> {
  return await argon2id({
    password,
    salt: "netsysrq v2 admin secret",
    iterations: 3,
    memorySize: 65536,
    parallelism: 1,
    hashLength: 32,
    outputType: "binary",
  });
}

interface KeyCase {
  name: string;
  password?: string;
  secret: Uint8Array<ArrayBuffer>;
  /** null: the key id alone. */
  identity: string | null;
  /** The identity is refused (no server key). */
  invalid?: boolean;
}

const argon2Admin = fromHex(ARGON2_SECRET_HEX);
const keyCases: KeyCase[] = [
  { name: "key id of the admin secret", secret: ADMIN, identity: null },
  { name: "web1", secret: ADMIN, identity: "web1" },
  {
    name: "web2: another server, another key",
    secret: ADMIN,
    identity: "web2",
  },
  {
    name: "WEB1: ASCII letters lowercased, web1's key",
    secret: ADMIN,
    identity: "WEB1",
  },
  {
    name: "a longer name is another identity",
    secret: ADMIN,
    identity: "web1.example.com",
  },
  {
    name: "a new key for web1 under the same secret",
    secret: ADMIN,
    identity: "web1#2",
  },
  {
    name: "non-ASCII letters are kept as they are",
    secret: ADMIN,
    identity: "ÄRGER-é",
  },
  {
    name: "255 bytes: the longest identity",
    secret: ADMIN,
    identity: "a".repeat(255),
  },
  {
    name: "the next admin secret: its key id",
    secret: ADMIN_NEXT,
    identity: null,
  },
  { name: "the next admin secret: web1", secret: ADMIN_NEXT, identity: "web1" },
  {
    name: "admin secret from a password (Argon2id): key id",
    password: ARGON2_PASSWORD,
    secret: argon2Admin,
    identity: null,
  },
  {
    name: "admin secret from a password (Argon2id): web1",
    password: ARGON2_PASSWORD,
    secret: argon2Admin,
    identity: "web1",
  },
  ...[
    ["empty", ""],
    ["a space", "web 1"],
    ["a tab", "web\t1"],
    ["a newline", "web1\n"],
    ["NUL", "web\u00001"],
    ["DEL", "web\u007f1"],
    ["a C1 control character", "web\u00851"],
    ["a no-break space", "web\u00a01"],
    ["256 bytes", "a".repeat(256)],
    ["256 bytes of two-byte letters", "é".repeat(128)],
  ].map(([what, identity]): KeyCase => ({
    name: `invalid identity: ${what}`,
    secret: ADMIN,
    identity,
    invalid: true,
  })),
];

async function keyCase(c: KeyCase) {
  return {
    name: c.name,
    password: c.password ?? null,
    adminSecretHex: hex(c.secret),
    keyIdHex: idHex(await keyIdOf(c.secret)),
    identity: c.identity,
    serverKeyHex: c.identity === null || c.invalid
      ? null
      : hex(await serverKeyOf(c.secret, c.identity)),
  };
}

/** The cases of keys.json, once hash-wasm's Argon2id agrees with the reference. */
export async function keyVectors(): Promise<unknown[]> {
  if (hex(await argon2Secret(ARGON2_PASSWORD)) !== ARGON2_SECRET_HEX) {
    throw new Error("hash-wasm's Argon2id disagrees with the reference argon2");
  }
  return await Promise.all(keyCases.map(keyCase));
}

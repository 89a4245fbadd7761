/**
 * Writes the shared vectors (requests.json, replies.json, legacy.json,
 * keys.json) from fixed inputs: `deno run -A tests/vectors/generate.ts`. The
 * expected verdict of every case is chosen by hand, never computed by a
 * verifier under test, and every packet is built with Web Crypto (PBKDF2,
 * HMAC, SHA-1/SHA-256) from the tables of docs/PROTOCOL.md — not with the
 * library — so the files are an independent oracle for the WASM core, the C
 * verifier and the kernel.
 *
 * The cases of each file are in its own module: generate_requests.ts,
 * generate_replies.ts, generate_legacy.ts and generate_keys.ts, with the
 * packet builders they share in _packets.ts and the fixed inputs in
 * _generate.ts. (output.json has its own generator, generate_output.ts.)
 *
 * @module
 */

import { writeVectorFile } from "./_generate.ts";
import { keyVectors } from "./generate_keys.ts";
import { legacyVectors } from "./generate_legacy.ts";
import { replyVectors } from "./generate_replies.ts";
import { requestVectors } from "./generate_requests.ts";

const files: Record<string, unknown[]> = {
  "requests.json": await requestVectors(),
  "replies.json": replyVectors(),
  "legacy.json": legacyVectors(),
  "keys.json": await keyVectors(),
};

/** The cases of each vector file, as generate.ts writes them. */
export function vectorFiles(): Record<string, unknown[]> {
  return files;
}

if (import.meta.main) {
  for (const [name, cases] of Object.entries(vectorFiles())) {
    await writeVectorFile(name, { cases });
    console.log(`${name}: ${cases.length} cases`);
  }
}

/**
 * The cases of legacy.json (run through generate.ts): packets of the
 * xtables-addons text format, unchanged by version 2, with digests made by
 * Web Crypto's SHA-1 and SHA-256 and verdicts chosen by hand.
 *
 * @module
 */

import { hex } from "../../core/hex.ts";
import {
  OTHER_PASSWORD,
  PASSWORD,
  text,
  V4,
  V4_OTHER,
  V6,
} from "./_generate.ts";
import { nonce, poke, Verdict } from "./_packets.ts";

/** The legacy digest's destination text (%pI4, or %pI6 without "::"). */
const LEGACY_DST: Record<string, string> = {
  [V4]: V4,
  [V4_OTHER]: V4_OTHER,
  [V6]: "2001:0db8:0000:0000:0000:0000:0000:0007",
};

const SEQ = 1700000000;
const RECIPE_SALT = btoa(String.fromCharCode(...nonce(50).subarray(0, 12)));

async function digestHex(hash: "sha1" | "sha256", s: string) {
  const name = hash === "sha1" ? "SHA-1" : "SHA-256";
  return hex(new Uint8Array(await crypto.subtle.digest(name, text(s))));
}

async function legacy(o: {
  keys?: string;
  seqno?: number;
  salt?: string;
  address?: string;
  hash?: "sha1" | "sha256";
  newline?: boolean;
  password?: string;
} = {}): Promise<Uint8Array> {
  const prefix = `${o.keys ?? "s"},${o.seqno ?? SEQ + 60},` +
    `${o.salt ?? RECIPE_SALT},`;
  const dst = LEGACY_DST[o.address ?? V4];
  const digest = await digestHex(
    o.hash ?? "sha1",
    `${prefix}${dst},${o.password ?? PASSWORD}`,
  );
  return text(prefix + digest + (o.newline ? "\n" : ""));
}

const recipe = await legacy({ newline: true });
const recipeText = new TextDecoder().decode(recipe);

interface LegacyCase {
  name: string;
  packet: Uint8Array;
  verdict: Verdict;
  keys?: string;
  hash?: "sha1" | "sha256";
  password?: string | null;
  serverAddress?: string;
  lastSeqno?: number;
}

const legacyCases: LegacyCase[] = [
  {
    name: "man-page recipe: sha1, base64 salt, trailing newline",
    packet: recipe,
    verdict: Verdict.ACCEPTED,
    keys: "s",
  },
  {
    name: "no trailing newline",
    packet: await legacy({ keys: "b", seqno: SEQ + 61 }),
    verdict: Verdict.ACCEPTED,
    keys: "b",
  },
  {
    name: "sha256 digest (64 hex digits)",
    packet: await legacy({ hash: "sha256", newline: true }),
    hash: "sha256",
    verdict: Verdict.ACCEPTED,
    keys: "s",
  },
  {
    name: "IPv6 destination in %pI6 full form",
    packet: await legacy({ address: V6, keys: "u", newline: true }),
    serverAddress: V6,
    verdict: Verdict.ACCEPTED,
    keys: "u",
  },
  {
    name: "several keys run in order",
    packet: await legacy({ keys: "sub" }),
    verdict: Verdict.ACCEPTED,
    keys: "sub",
  },
  {
    name: "16 keys, the most a request may carry",
    packet: await legacy({ keys: "h".repeat(16) }),
    verdict: Verdict.ACCEPTED,
    keys: "h".repeat(16),
  },
  {
    name: "17 keys: refused as malformed, as in v1",
    packet: await legacy({ keys: "h".repeat(17) }),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "seqno one above the last",
    packet: await legacy({ seqno: SEQ + 1 }),
    verdict: Verdict.ACCEPTED,
    keys: "s",
  },
  {
    name: "no password configured",
    packet: recipe,
    password: null,
    verdict: Verdict.NO_PASSWORD,
  },
  {
    name: "257 bytes",
    packet: text(recipeText.trimEnd() + "\n".repeat(257 - recipe.length + 1)),
    verdict: Verdict.BAD_LENGTH,
  },
  {
    name: "seqno equal to the last: replay",
    packet: await legacy({ seqno: SEQ }),
    verdict: Verdict.REPLAY,
  },
  {
    name: "seqno below the last: replay",
    packet: await legacy({ seqno: SEQ - 1 }),
    verdict: Verdict.REPLAY,
  },
  {
    name: "wrong password",
    packet: await legacy({ password: OTHER_PASSWORD }),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "made for another host",
    packet: await legacy({ address: V4_OTHER }),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "IPv6 digest over the compressed text (not %pI6)",
    packet: await (async () => {
      const prefix = `s,${SEQ + 60},${RECIPE_SALT},`;
      return text(
        prefix + await digestHex("sha1", `${prefix}${V6},${PASSWORD}`),
      );
    })(),
    serverAddress: V6,
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "sha256 digest with its last digit changed (the whole digest counts)",
    packet: await (async () => {
      const p = await legacy({ hash: "sha256" });
      return poke(p, p.length - 1, p[p.length - 1] === 0x30 ? 0x31 : 0x30);
    })(),
    hash: "sha256",
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "the packet that panics xtables-addons 3.23",
    packet: text(`h,99999999999,x,${"0".repeat(40)}`),
    verdict: Verdict.BAD_MAC,
  },
  {
    name: "uppercase hex digest",
    packet: text(recipeText.trimEnd().toUpperCase().replace(/^S/, "s")),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "39 hex digits",
    packet: recipe.slice(0, recipe.length - 2),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "two trailing newlines",
    packet: text(recipeText + "\n"),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "only two commas",
    packet: text(`s,${SEQ + 60},${"0".repeat(40)}`),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "no keys",
    packet: text(recipeText.slice(1)),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "seqno not decimal",
    packet: text(`s,17e8,${RECIPE_SALT},${"0".repeat(40)}`),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "empty",
    packet: new Uint8Array(0),
    verdict: Verdict.BAD_FORMAT,
  },
  {
    name: "a space among the keys",
    packet: text(`s b,${SEQ + 60},${RECIPE_SALT},${"0".repeat(40)}`),
    verdict: Verdict.BAD_KEY_CHAR,
  },
];

function legacyCase(c: LegacyCase) {
  const password = c.password === undefined ? PASSWORD : c.password;
  const accepted = c.verdict === Verdict.ACCEPTED;
  const seqno = accepted
    ? Number(new TextDecoder().decode(c.packet).split(",")[1])
    : SEQ;
  return {
    name: c.name,
    password,
    serverAddress: c.serverAddress ?? V4,
    hash: c.hash ?? "sha1",
    state: { lastSeqno: c.lastSeqno ?? SEQ },
    packetHex: hex(c.packet),
    expected: {
      verdict: Verdict[c.verdict],
      verdictCode: c.verdict,
      keys: accepted ? c.keys ?? null : null,
      lastSeqnoAfter: seqno,
    },
  };
}

/** The cases of legacy.json, as generate.ts writes them. */
export function legacyVectors(): unknown[] {
  return legacyCases.map(legacyCase);
}

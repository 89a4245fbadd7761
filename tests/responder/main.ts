/**
 * Run the test responder by hand, to try the client without a VM:
 *
 *     SYSRQ_PASSWORD=not-a-real-password deno run -A tests/responder/main.ts --port 9999
 *     SYSRQ_PASSWORD=not-a-real-password deno task start sub 127.0.0.1:9999
 *
 * Options: --address ADDR (default 127.0.0.1), --port N (default 0: any),
 * --count N responders (ports in a row when --port is given), and the
 * behaviours of tests/responder/responder.ts: --refuse-by-rule KEYS,
 * --refuse-by-sysctl KEYS, --clock-offset MS, --silent, --no-ack (answer
 * probes only, as a --sysrq-no-ack rule), --output-file FILE (send FILE's
 * bytes as the output of every accepted request that asks for it, as the
 * module sends what the keys logged). The password comes
 * from SYSRQ_PASSWORD, server keys from SYSRQ_SERVER_KEYS in the kernel's
 * `keys` parameter form (`ID:HEX64[,ID:HEX64…]`, as `send_sysrq keygen`
 * prints them); either or both. Ctrl-C stops it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import {
  deriveKey,
  formatKeyId,
  KeySet,
  MacKey,
  parseKeyId,
  Verdict,
} from "../../mod.ts";
import { fromHex } from "../../core/hex.ts";
import { startResponder } from "./responder.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: {
    address: { type: "string", default: "127.0.0.1" },
    port: { type: "string", default: "0" },
    count: { type: "string", default: "1" },
    "refuse-by-rule": { type: "string" },
    "refuse-by-sysctl": { type: "string" },
    "clock-offset": { type: "string", default: "0" },
    silent: { type: "boolean" },
    "output-file": { type: "string" },
    "no-ack": { type: "boolean" },
  },
});

const password = Deno.env.get("SYSRQ_PASSWORD");
const serverKeys = Deno.env.get("SYSRQ_SERVER_KEYS");
if (!password && !serverKeys) {
  console.error(
    "responder: set SYSRQ_PASSWORD (the password to accept) or " +
      "SYSRQ_SERVER_KEYS (ID:HEX64[,ID:HEX64…])",
  );
  Deno.exit(2);
}

/** `ID:HEX64[,ID:HEX64…]`, the kernel's `keys` parameter form. */
async function parseServerKeys(text: string): Promise<[number, MacKey][]> {
  const entries: [number, MacKey][] = [];
  for (const item of text.split(",")) {
    const [id, keyHex, extra] = item.trim().split(":");
    if (keyHex === undefined || extra !== undefined || keyHex.length !== 64) {
      throw new RangeError(
        "SYSRQ_SERVER_KEYS: each key is ID:HEX64 (8 and 64 hex digits)",
      );
    }
    entries.push([parseKeyId(id), await MacKey.fromBytes(fromHex(keyHex))]);
  }
  return entries;
}

let keys: KeySet;
try {
  keys = new KeySet({
    password: password ? await deriveKey(password) : null,
    serverKeys: serverKeys ? await parseServerKeys(serverKeys) : [],
  });
} catch (error) {
  console.error(`responder: ${(error as Error).message}`);
  Deno.exit(2);
}
const port = Number(values.port);
for (let i = 0; i < Number(values.count); i++) {
  const responder = await startResponder({
    keys,
    address: values.address,
    port: port === 0 ? 0 : port + i,
    refuseByRule: values["refuse-by-rule"],
    refuseBySysctl: values["refuse-by-sysctl"],
    clockOffsetMs: Number(values["clock-offset"]),
    silent: values.silent,
    noAck: values["no-ack"],
    output: values["output-file"] === undefined
      ? undefined
      : { text: await Deno.readFile(values["output-file"]) },
  });
  const where = `${values.address}:${responder.port}`;
  console.log(`responder listening on ${where}`);
  // Report each request as it is judged.
  const seen = responder.seen;
  const push = seen.push.bind(seen);
  seen.push = (...items) => {
    for (const item of items) {
      const verdict = item.verdict === null ? "dropped" : Verdict[item.verdict];
      // The kernel's log line names the key: "password" or "key ID".
      const request = item.request;
      const by = request === undefined
        ? ""
        : request.keyId
        ? ` key ${formatKeyId(request.keyId)}`
        : " password";
      console.log(
        `${where}: ${verdict}${request ? ` keys=${request.keys}${by}` : ""}`,
      );
    }
    return push(...items);
  };
}

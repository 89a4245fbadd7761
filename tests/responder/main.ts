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
 * probes only, as a --sysrq-no-ack rule). The password comes
 * from SYSRQ_PASSWORD. Ctrl-C stops it.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { deriveKey, Verdict } from "../../mod.ts";
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
    "no-ack": { type: "boolean" },
  },
});

const password = Deno.env.get("SYSRQ_PASSWORD");
if (!password) {
  console.error("responder: set SYSRQ_PASSWORD to the password to accept");
  Deno.exit(2);
}
const key = await deriveKey(password);
const port = Number(values.port);
for (let i = 0; i < Number(values.count); i++) {
  const responder = await startResponder({
    key,
    address: values.address,
    port: port === 0 ? 0 : port + i,
    refuseByRule: values["refuse-by-rule"],
    refuseBySysctl: values["refuse-by-sysctl"],
    clockOffsetMs: Number(values["clock-offset"]),
    silent: values.silent,
    noAck: values["no-ack"],
  });
  const where = `${values.address}:${responder.port}`;
  console.log(`responder listening on ${where}`);
  // Report each request as it is judged.
  const seen = responder.seen;
  const push = seen.push.bind(seen);
  seen.push = (...items) => {
    for (const item of items) {
      const verdict = item.verdict === null ? "dropped" : Verdict[item.verdict];
      console.log(
        `${where}: ${verdict}${
          item.request ? ` keys=${item.request.keys}` : ""
        }`,
      );
    }
    return push(...items);
  };
}

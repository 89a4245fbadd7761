import assert from "node:assert";
import { parseHost, parseHostsFile, resolve } from "./hosts.ts";
import { UsageError } from "./args.ts";

Deno.test("parseHost: every form of HOST", async (t) => {
  const cases: [string, string, number][] = [
    ["web1", "web1", 9],
    ["web1.example.org.", "web1.example.org.", 9],
    ["192.0.2.7", "192.0.2.7", 9],
    ["192.0.2.7:999", "192.0.2.7", 999],
    ["web1:65535", "web1", 65535],
    ["2001:db8::7", "2001:db8::7", 9],
    ["::1", "::1", 9],
    ["[2001:db8::7]", "2001:db8::7", 9],
    ["[2001:db8::7]:1", "2001:db8::7", 1],
    ["[::ffff:192.0.2.7]:99", "::ffff:192.0.2.7", 99],
  ];
  for (const [text, host, port] of cases) {
    await t.step(
      text,
      () => assert.deepEqual(parseHost(text, 9), { label: text, host, port }),
    );
  }
});

Deno.test("parseHost: malformed hosts and ports", async (t) => {
  const cases: [string, RegExp][] = [
    ["", /not a host name/],
    ["web 1", /not a host name/],
    ["-web", /not a host name/],
    ["192.0.2.256", /not an IPv4 address/],
    ["192.0.2", /not an IPv4 address/],
    ["web1:", /malformed port in "web1:"/],
    ["web1:0", /malformed port/],
    ["web1:65536", /malformed port/],
    ["web1:x", /malformed port/],
    ["[web1]:9", /not an IPv6 address/],
    ["[2001:db8::7]:", /malformed port/],
    ["[2001:db8::7]x", /not an IPv6 address/],
    ["2001:db8:::7", /not an IPv6 address/],
  ];
  for (const [text, message] of cases) {
    await t.step(JSON.stringify(text), () => {
      assert.throws(
        () => parseHost(text, 9),
        (e: unknown) => e instanceof UsageError && message.test(e.message),
      );
    });
  }
});

Deno.test("parseHostsFile: comments, blank lines, and the bad line's number", () => {
  const hosts = parseHostsFile(
    "# fleet\n\n  web1  \nweb2:99 # db\r\n[::1]\n",
    "f",
    7,
  );
  assert.deepEqual(hosts.map((h) => [h.host, h.port]), [["web1", 7], [
    "web2",
    99,
  ], ["::1", 7]]);
  assert.throws(
    () => parseHostsFile("web1\n#\nweb2 web3\n", "f", 9),
    /hosts file f line 3: one host per line/,
  );
  assert.throws(
    () => parseHostsFile("web1\nweb1:0\n", "list", 9),
    /hosts file list line 2: malformed port/,
  );
});

Deno.test("resolve: literals as they are, unknown names fail with a reason", async () => {
  assert.deepEqual(await resolve({ label: "x", host: "::1", port: 9 }), {
    label: "x",
    host: "::1",
    port: 9,
    address: "::1",
    family: 6,
  });
  await assert.rejects(
    resolve({ label: "n", host: "nonexistent.invalid", port: 9 }),
    /cannot resolve nonexistent.invalid: no such host/,
  );
});

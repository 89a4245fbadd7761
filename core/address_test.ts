import assert from "node:assert/strict";
import { encodeAddress } from "../mod.ts";
import { legacyAddressText } from "./address.ts";
import { hex } from "./hex.ts";

Deno.test("encodeAddress: IPv4 and IPv6 spellings", () => {
  const table: [string, string][] = [
    ["192.0.2.7", "00000000000000000000ffffc0000207"],
    ["0.0.0.0", "00000000000000000000ffff00000000"],
    ["255.255.255.255", "00000000000000000000ffffffffffff"],
    ["::ffff:192.0.2.7", "00000000000000000000ffffc0000207"],
    ["2001:db8::7", "20010db8000000000000000000000007"],
    ["2001:DB8:0:0:0:0:0:7", "20010db8000000000000000000000007"],
    ["::", "00000000000000000000000000000000"],
    ["::1", "00000000000000000000000000000001"],
    ["fe80::", "fe800000000000000000000000000000"],
    ["1:2:3:4:5:6:7:8", "00010002000300040005000600070008"],
    ["1:2:3:4:5:6:1.2.3.4", "00010002000300040005000601020304"],
    ["::1.2.3.4", "00000000000000000000000001020304"],
  ];
  for (const [text, want] of table) {
    assert.equal(hex(encodeAddress(text)), want, text);
  }
});

Deno.test("encodeAddress: anything else is a TypeError", () => {
  const bad = [
    "",
    "example.com",
    "192.0.2",
    "192.0.2.7.1",
    "192.0.2.256",
    "192.0.2.07",
    " 192.0.2.7",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1::2::3",
    ":1::",
    "12345::",
    "fe80::1%eth0",
    "[::1]",
    "1:2:3:4:5:6:7:1.2.3.4",
    "::ffff:1.2.3",
  ];
  for (const text of bad) {
    assert.throws(() => encodeAddress(text), TypeError, JSON.stringify(text));
  }
  assert.throws(() => encodeAddress(42 as unknown as string), TypeError);
});

Deno.test("legacyAddressText: dotted IPv4 and %pI6 IPv6", () => {
  assert.equal(legacyAddressText("192.0.2.7"), "192.0.2.7");
  assert.equal(
    legacyAddressText("2001:DB8::7"),
    "2001:0db8:0000:0000:0000:0000:0000:0007",
  );
  assert.equal(
    legacyAddressText("::ffff:192.0.2.7"),
    "0000:0000:0000:0000:0000:ffff:c000:0207",
  );
});

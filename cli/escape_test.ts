// Nothing from the server reaches the terminal as a control sequence.

import assert from "node:assert/strict";
import { escapeText } from "./escape.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

/** Would a terminal act on this text, or could it mislead the reader? */
function actsOnTerminal(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufffd]/u
    .test(text);
}

Deno.test("escape: a task named with an OSC title sequence shows escaped", () => {
  const line = bytes("  task:\x1b]0;pwned\x07 state:D stack:0\n");
  const shown = escapeText(line);
  assert.equal(shown, "  task:\\x1b]0;pwned\\x07 state:D stack:0\n");
  assert.ok(!actsOnTerminal(shown));
});

Deno.test("escape: each kind of unsafe byte, and what stays", () => {
  const cases: [string, Uint8Array, string][] = [
    ["tab and newline kept", bytes("a\tb\nc"), "a\tb\nc"],
    ["CR", bytes("ok\rFAKE"), "ok\\x0dFAKE"],
    ["NUL, BEL, BS", new Uint8Array([0, 7, 8]), "\\x00\\x07\\x08"],
    ["CSI colour", bytes("\x1b[31mred"), "\\x1b[31mred"],
    ["DEL", bytes("a\x7f"), "a\\x7f"],
    ["C1 CSI (U+009B)", bytes("\u009b2J"), "\\xc2\\x9b2J"],
    ["C1 byte alone (not UTF-8)", new Uint8Array([0x9b, 0x32]), "\\x9b2"],
    ["invalid UTF-8", new Uint8Array([0xff, 0xfe, 0x41]), "\\xff\\xfeA"],
    ["truncated sequence", new Uint8Array([0xe2, 0x82]), "\\xe2\\x82"],
    ["overlong slash", new Uint8Array([0xc0, 0xaf]), "\\xc0\\xaf"],
    ["surrogate half", new Uint8Array([0xed, 0xa0, 0x80]), "\\xed\\xa0\\x80"],
    ["bidi override", bytes("a\u202eb"), "a\\u{202e}b"],
    ["backslash", bytes("C:\\x1b"), "C:\\\\x1b"],
    ["UTF-8 kept", bytes("é ü → 日本 🙂"), "é ü → 日本 🙂"],
    ["BOM kept as text", bytes("\ufeffx"), "\ufeffx"],
    ["empty", new Uint8Array(0), ""],
  ];
  for (const [what, input, expected] of cases) {
    assert.equal(escapeText(input), expected, what);
  }
});

Deno.test("escape: random bytes never come out able to act on a terminal", () => {
  for (let round = 0; round < 500; round++) {
    const input = crypto.getRandomValues(new Uint8Array(round % 97));
    const shown = escapeText(input);
    assert.ok(!actsOnTerminal(shown), `input ${[...input]}`);
  }
});

Deno.test("escape: a long plain text is copied whole", () => {
  const text = "x".repeat(200_000) + "\n";
  assert.equal(escapeText(bytes(text)), text);
});

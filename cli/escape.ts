/**
 * Server text made safe to show: kernel log text can hold any bytes (a
 * task's name is chosen by whoever started it), and none of it may reach a
 * terminal as a control or escape sequence. Used for the terminal, the
 * `--output` log files and `--json` alike.
 *
 * @module
 */

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Code points shown escaped although valid UTF-8. */
function unsafe(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a) || // C0 but tab, LF
    (code >= 0x7f && code <= 0x9f) || // DEL and the C1 controls
    // Bidirectional overrides and isolates: they reorder what is shown.
    (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

const hex2 = (b: number) => "\\x" + b.toString(16).padStart(2, "0");

/**
 * The UTF-8 sequence at `bytes[i]`, decoded by the platform's decoder:
 * [text, length], or null when no valid sequence starts there.
 */
function sequenceAt(bytes: Uint8Array, i: number): [string, number] | null {
  for (let n = 2; n <= 4 && i + n <= bytes.length; n++) {
    try {
      return [fatal.decode(bytes.subarray(i, i + n)), n];
    } catch {
      // Not a whole character of n bytes: try a longer one.
    }
  }
  return null;
}

/**
 * Show `bytes` as text with every byte that could act on a terminal
 * escaped: control characters other than tab and newline (ESC, CR, BEL …),
 * DEL, the C1 controls, bidirectional overrides and bytes that are not
 * valid UTF-8 become `\xNN` (one per byte; `\u{NNNN}` for an escaped
 * character above U+00FF), and a backslash becomes `\\`, so the escaped
 * form is never ambiguous.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { escapeText } from "./escape.ts";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * assert.equal(escapeText(bytes("task \x1b]0;x\x07 D\n")), "task \\x1b]0;x\\x07 D\n");
 * assert.equal(escapeText(new Uint8Array([0x61, 0xff, 0xc3, 0xa9])), "a\\xffé");
 * assert.equal(escapeText(bytes("\u009b31m")), "\\xc2\\x9b31m");
 * ```
 */
export function escapeText(bytes: Uint8Array): string {
  let out = "";
  let plain = 0; // start of the run of printable ASCII not yet copied
  const flush = (end: number) => {
    if (end > plain) out += String.fromCharCode(...bytes.subarray(plain, end));
  };
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i];
    if (b < 0x80 && !unsafe(b) && b !== 0x5c) {
      i++;
      // Copy long runs in slices (fromCharCode takes at most ~64k args).
      if (i - plain >= 4096) {
        flush(i);
        plain = i;
      }
      continue;
    }
    flush(i);
    const [text, n] = b < 0x80
      ? [String.fromCharCode(b), 1]
      : sequenceAt(bytes, i) ?? ["", 1];
    if (b === 0x5c) out += "\\\\";
    else if (text === "") out += hex2(b); // not UTF-8
    else if (!unsafe(text.codePointAt(0)!)) out += text;
    else if (n === 1 || text.codePointAt(0)! <= 0xff) {
      for (const byte of bytes.subarray(i, i + n)) out += hex2(byte);
    } else out += `\\u{${text.codePointAt(0)!.toString(16)}}`;
    i += n;
    plain = i;
  }
  flush(i);
  return out;
}

/**
 * How a host's output is shown: under its result line (indented, as the
 * kernel wrote it), in its `--output` log file, and in `--json`. Every byte
 * from the server goes through {@link escapeText} first, in all three.
 *
 * @module
 */

import { concat } from "../core/bytes.ts";
import { escapeText } from "./escape.ts";
import type { HostOutput, OutputReport } from "./output_channel.ts";

/** Each output line is shown under the result line behind this. */
export const OUTPUT_INDENT = "    ";

/**
 * The output's text, escaped, in index order; where chunks never came, a
 * line saying which. Runs of chunks that did come are joined before they
 * are escaped, so a character split across two chunks shows whole.
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { outputText } from "./output_view.ts";
 * const bytes = (s: string) => new TextEncoder().encode(s);
 * const report = { parts: [bytes("a\n"), null, bytes("\x1b[2Jc\n")], missing: [1] };
 * assert.equal(outputText(report), "a\n[chunk 1 missing]\n\\x1b[2Jc\n");
 * ```
 */
export function outputText(
  report: Pick<OutputReport, "parts" | "missing">,
): string {
  let out = "";
  let run: Uint8Array[] = [];
  const flushRun = () => {
    out += escapeText(concat(...run));
    run = [];
  };
  const parts = report.parts;
  for (let index = 0; index < parts.length; index++) {
    const part = parts[index];
    if (part !== null) {
      run.push(part);
      continue;
    }
    flushRun();
    let end = index; // a run of missing chunks is one line
    while (end + 1 < parts.length && parts[end + 1] === null) end++;
    if (out !== "" && !out.endsWith("\n")) out += "\n";
    out += end === index
      ? `[chunk ${index} missing]\n`
      : `[chunks ${index}-${end} missing]\n`;
    index = end;
  }
  flushRun();
  return out;
}

/**
 * Indexes as ranges: "1, 3-7, 9".
 *
 * @example
 * ```ts
 * import assert from "node:assert";
 * import { ranges } from "./output_view.ts";
 * assert.equal(ranges([1, 3, 4, 5, 6, 7, 9]), "1, 3-7, 9");
 * ```
 */
export function ranges(indexes: number[]): string {
  const out: string[] = [];
  for (let i = 0; i < indexes.length; i++) {
    let j = i;
    while (j + 1 < indexes.length && indexes[j + 1] === indexes[j] + 1) j++;
    out.push(j === i ? `${indexes[i]}` : `${indexes[i]}-${indexes[j]}`);
    i = j;
  }
  return out.join(", ");
}

/** Bytes of text that arrived. */
function received(report: OutputReport): number {
  return report.parts.reduce((n, p) => n + (p?.length ?? 0), 0);
}

function size(bytes: number): string {
  return bytes < 1024
    ? `${bytes} byte${bytes === 1 ? "" : "s"}`
    : `${Number((bytes / 1024).toFixed(1))} KiB`;
}

/**
 * The lines under a host's result line: the output (unless it went to a
 * file) and what to know about it.
 */
export function outputLines(output: HostOutput): string {
  switch (output.state) {
    case "busy":
      return "\n  no output: the server was still sending another request's" +
        " output (OUTPUT_BUSY)";
    case "elsewhere":
      return "\n  no output here: it went to the source of the copy that ran" +
        " (this retry's ack\n  says the keys ran before; a lost ack, or a" +
        " copy raced from another address)";
    case "off":
      return "\n  no output: the server sends none (a module without output," +
        " or output_max 0)";
    case "received":
      return receivedLines(output);
  }
}

function receivedLines(
  output: Extract<HostOutput, { state: "received" }>,
): string {
  const { report } = output;
  const bytes = received(report);
  let text: string;
  if (report.chunks === 0) {
    text = "\n  no output arrived (the server said it would follow)";
  } else if (report.complete && bytes === 0) {
    text = "\n  output: empty (the keys printed nothing)";
  } else if (output.file !== undefined) {
    text = `\n  output: ${size(bytes)} written to ${
      escapeText(
        new TextEncoder().encode(output.file),
      )
    }`;
  } else {
    const shown = outputText(report).replace(/\n$/, "");
    text = `\n  output (${size(bytes)}):\n` +
      shown.split("\n").map((line) => OUTPUT_INDENT + line).join("\n");
  }
  return text + notes(output);
}

function notes(output: Extract<HostOutput, { state: "received" }>): string {
  const { report } = output;
  const lines: string[] = [];
  if (output.fileError !== undefined) {
    lines.push(`output not written: ${output.fileError}`);
  }
  if (report.truncated) {
    lines.push("output truncated: longer than the server's limit (output_max)");
  }
  if (report.unfinished) {
    lines.push(
      "output unfinished: a completion line (Emergency Sync/Remount" +
        " complete) had not\n  come when the server stopped waiting",
    );
  }
  if (report.missing.length > 0) {
    lines.push(
      `output incomplete: missing chunk${
        report.missing.length === 1 ? "" : "s"
      } ${ranges(report.missing)}`,
    );
  }
  if (report.chunks > 0 && !report.ended) {
    lines.push(
      `output incomplete: its end never arrived (after chunk ${
        report.parts.length - 1
      })`,
    );
  }
  if (report.dropped > 0) {
    lines.push(
      `dropped ${report.dropped} output message${
        report.dropped === 1 ? "" : "s"
      } that failed authentication`,
    );
  }
  return lines.map((line) => "\n  " + line).join("");
}

/** The `output` member of a host's `--json` object. */
export function outputJson(output: HostOutput): Record<string, unknown> {
  if (output.state !== "received") return { state: output.state };
  const { report } = output;
  return {
    state: output.state,
    // Escaped as on the terminal; chunks that never came are left out.
    text: escapeText(
      concat(...report.parts.filter((p) => p !== null)),
    ),
    bytes: received(report),
    complete: report.complete,
    truncated: report.truncated,
    unfinished: report.unfinished,
    missing: report.missing,
    endMissing: report.chunks > 0 && !report.ended,
    chunks: report.chunks,
    dropped: report.dropped,
    file: output.file,
    fileError: output.fileError,
  };
}

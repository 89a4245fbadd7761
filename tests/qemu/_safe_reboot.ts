/**
 * Sends a safe reboot (docs/PROTOCOL.md, "Safe reboot") to a guest with
 * the library the client is built on (mod.ts): a probe for the guest's
 * boot id and clock, then one request `b` with SAFE_REBOOT (and, if asked,
 * ONLY_IF_SYNCED), and its ack. The client's own `--safe-reboot` option is
 * not there yet; this sends the same bytes it will.
 *
 * @module
 */

import {
  createProbe,
  createRequest,
  deriveKey,
  type MacKey,
  verifyReply,
} from "../../mod.ts";
import { openOutput, type OutputChunk, outputKey } from "../../core/output.ts";
import type { Vm } from "./vm.ts";

/** What came back. */
export interface SafeRebootSent {
  /** A verified ack for the request arrived. */
  acked: boolean;
  /** Its status for `b`, when acked ("executed", "refused-rule"...). */
  status?: string;
  /** With `output`: the output text that came back, in order. */
  output?: string;
  /** With `output`: the message flagged LAST arrived. */
  outputLast?: boolean;
}

async function clock(vm: Vm, key: MacKey, serverAddress: string) {
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const replies = await vm.exchange(
    [createProbe(key, { serverAddress, nonce })],
    { want: 1, timeoutMs: 3_000 },
  );
  for (const r of replies) {
    const answer = verifyReply(key, r, {
      serverAddress,
      request: { probe: true, nonce },
    });
    if (answer?.type === "clock") {
      return { bootId: answer.bootId, time: answer.serverTime };
    }
  }
  throw new Error("the guest sent no verified clock answer");
}

/** Sends one safe reboot to `vm`'s v4 address with its password. */
export async function sendSafeReboot(
  vm: Vm,
  options: { onlyIfSynced?: boolean; output?: boolean; waitMs?: number } = {},
): Promise<SafeRebootSent> {
  const key = await deriveKey(vm.password!);
  const serverAddress = vm.address("v4");
  const { bootId, time } = await clock(vm, key, serverAddress);
  const request = {
    keys: "b",
    bootId,
    timestamp: time,
    nonce: crypto.getRandomValues(new Uint8Array(12)),
    ackWanted: true,
    outputWanted: options.output ?? false,
  };
  const packet = createRequest(key, {
    ...request,
    serverAddress,
    safeReboot: true,
    onlyIfSynced: options.onlyIfSynced ?? false,
  });
  const out = outputKey(key, { request: packet, serverAddress });
  const chunks: OutputChunk[] = [];
  const replies = await vm.exchange([packet], {
    want: options.output ? 1024 : 1,
    timeoutMs: options.waitMs ?? 6_000,
    // Output: until its LAST message (the server sends it before it
    // restarts), or silence.
    stopWhen: options.output
      ? (rs) => rs.some((r) => openOutput(out, r)?.last)
      : undefined,
  });
  const sent: SafeRebootSent = { acked: false };
  for (const r of replies) {
    const reply = verifyReply(key, r, { serverAddress, request });
    if (reply?.type === "ack") {
      sent.acked = true;
      sent.status = String(reply.statuses[0]);
    }
    const chunk = openOutput(out, r);
    if (chunk) chunks.push(chunk);
  }
  if (options.output) {
    chunks.sort((a, b) => a.index - b.index);
    sent.output = chunks.map((c) => new TextDecoder().decode(c.text)).join("");
    sent.outputLast = chunks.some((c) => c.last);
  }
  return sent;
}

/**
 * The cases of replies.json (run through generate.ts): replies the client
 * checks against the request or probe they answer, in both key modes; which
 * are valid is chosen by hand.
 *
 * @module
 */

import { fromHex, hex } from "../../core/hex.ts";
import {
  ADDRESS_HEX,
  BOOT,
  frame,
  idHex,
  NO_ADDRESS,
  NOW,
  PASSWORD,
  V4,
  V4_OTHER,
  V6,
} from "./_generate.ts";
import {
  ack,
  ACK_WANTED,
  answer,
  flipTag,
  INFO,
  INFO_HEX,
  keyBytes,
  keyedRequest,
  keyIdIn,
  KID,
  OTHER_BOOT,
  otherKeyBytes,
  poke,
  probe,
  Reason,
  REPEAT,
  request,
  seal,
  timeOf,
  Type,
  WEB1,
  WEB2,
} from "./_packets.ts";

const replyRequest = await request({ keys: "sub", seed: 70 });
const replyProbe = await probe(71);
const goodAck = await ack(replyRequest, [0, 1, 2]);
const refusalOf = (reason: number, address = V4, k = keyBytes) =>
  answer(Type.REFUSAL, replyRequest, reason, BOOT, NOW + 2400000, address, k);
const goodClock = await answer(Type.CLOCK, replyProbe, 0, BOOT, NOW);

interface ReplyCase {
  name: string;
  packet: Uint8Array;
  valid: boolean;
  /** The reply answers the probe (else the request). */
  toProbe?: boolean;
  /** What the reply answers, when neither replyRequest nor replyProbe. */
  to?: Uint8Array;
  /** The key `to` was made with (a server key), when not the password's. */
  key?: Uint8Array<ArrayBuffer>;
  serverAddress?: string;
}

// Replies in server-key mode: web1's key, key id KID, A = zeros.
const keyedReplyRequest = await keyedRequest({ keys: "sub", seed: 120 });
const keyedAck = await ack(keyedReplyRequest, [0, 0, 1], 0, NO_ADDRESS, WEB1);
const keyedProbe = await probe(121, NO_ADDRESS, WEB1, KID);
const infoProbe = await probe(122, V4, keyBytes, 0, true);
const keyedInfoProbe = await probe(123, NO_ADDRESS, WEB1, KID, true);
const infoAnswer = await answer(Type.CLOCK, infoProbe, 0, BOOT, NOW);
const keyedReplies: ReplyCase[] = [
  {
    name: "server key: ack, sealed with web1's key over zeros",
    packet: keyedAck,
    to: keyedReplyRequest,
    key: WEB1,
    valid: true,
  },
  {
    name: "server key: ack from web1 read through NAT (another address)",
    packet: keyedAck,
    to: keyedReplyRequest,
    key: WEB1,
    serverAddress: V6,
    valid: true,
  },
  {
    name: "server key: ack sealed with web2's key",
    packet: await ack(keyedReplyRequest, [0, 0, 1], 0, NO_ADDRESS, WEB2),
    to: keyedReplyRequest,
    key: WEB1,
    valid: false,
  },
  {
    name: "server key: ack sealed over the server's address, not zeros",
    packet: await ack(keyedReplyRequest, [0, 0, 1], 0, V4, WEB1),
    to: keyedReplyRequest,
    key: WEB1,
    valid: false,
  },
  {
    name: "server key: ack naming another key id (resealed)",
    packet: await seal(
      (await ack(keyedReplyRequest, [0, 0, 1], 0, NO_ADDRESS, WEB1))
        .fill(0, 24, 28),
      NO_ADDRESS,
      "ack",
      WEB1,
    ),
    to: keyedReplyRequest,
    key: WEB1,
    valid: false,
  },
  {
    name: "server key: refusal, future, under web1's key",
    packet: await answer(
      Type.REFUSAL,
      keyedReplyRequest,
      Reason.FUTURE,
      BOOT,
      NOW - 5000,
      NO_ADDRESS,
      WEB1,
    ),
    to: keyedReplyRequest,
    key: WEB1,
    valid: true,
  },
  {
    name: "server key: clock answer to a probe",
    packet: await answer(
      Type.CLOCK,
      keyedProbe,
      0,
      BOOT,
      NOW,
      NO_ADDRESS,
      WEB1,
    ),
    to: keyedProbe,
    key: WEB1,
    valid: true,
  },
  {
    name: "server key: clock answer under the password's key and key id 0",
    packet: await answer(Type.CLOCK, replyProbe, 0, BOOT, NOW),
    to: keyedProbe,
    key: WEB1,
    valid: false,
  },
  {
    name: "info probe: the answer carries the facts",
    packet: infoAnswer,
    to: infoProbe,
    valid: true,
  },
  {
    name: "server key: info probe answered with the facts",
    packet: await answer(
      Type.CLOCK,
      keyedInfoProbe,
      0,
      BOOT,
      NOW,
      NO_ADDRESS,
      WEB1,
    ),
    to: keyedInfoProbe,
    key: WEB1,
    valid: true,
  },
  {
    name: "info probe answered with a plain clock answer (56 bytes)",
    packet: await seal(
      frame({
        type: Type.CLOCK,
        bootId: BOOT,
        time: NOW,
        nonce: infoProbe.slice(28, 40),
      }),
    ),
    to: infoProbe,
    valid: false,
  },
  {
    name: "a plain probe answered with facts (80 bytes)",
    packet: await seal(
      frame({
        type: Type.CLOCK,
        bootId: BOOT,
        time: NOW,
        nonce: replyProbe.slice(28, 40),
        body: fromHex(INFO_HEX),
      }),
    ),
    toProbe: true,
    valid: false,
  },
  {
    name: "info answer: a fact changed after tagging",
    packet: poke(infoAnswer, 45, 0),
    to: infoProbe,
    valid: false,
  },
  {
    name: "info answer: count 23 (79 bytes, resealed)",
    packet: await seal(poke(infoAnswer.slice(0, 79), 7, 23)),
    to: infoProbe,
    valid: false,
  },
];

const replyCases: ReplyCase[] = [
  {
    name: "ack: executed, refused by rule, refused by sysctl",
    packet: goodAck,
    valid: true,
  },
  {
    name: "ack with REPEAT: ran once, ack re-sent",
    packet: await ack(replyRequest, [0, 1, 2], REPEAT),
    valid: true,
  },
  {
    name: "refusal: stale",
    packet: await refusalOf(Reason.STALE),
    valid: true,
  },
  {
    name: "refusal: future",
    packet: await refusalOf(Reason.FUTURE),
    valid: true,
  },
  {
    name: "refusal: replay",
    packet: await refusalOf(Reason.REPLAY),
    valid: true,
  },
  {
    name: "refusal: another boot, with the server's boot id",
    packet: await answer(
      Type.REFUSAL,
      replyRequest,
      Reason.BOOT,
      OTHER_BOOT,
      NOW + 60000,
    ),
    valid: true,
  },
  {
    name: "clock answer to the probe",
    packet: goodClock,
    toProbe: true,
    valid: true,
  },
  {
    name: "ack over IPv6",
    packet: await ack(replyRequest, [0, 0, 0], 0, V6),
    serverAddress: V6,
    valid: true,
  },
  {
    name: "clock answer over IPv6",
    packet: await answer(Type.CLOCK, replyProbe, 0, BOOT, NOW, V6),
    toProbe: true,
    serverAddress: V6,
    valid: true,
  },
  { name: "ack: tag bit flipped", packet: flipTag(goodAck), valid: false },
  {
    name: "ack: status changed after tagging",
    packet: poke(goodAck, 41, 0),
    valid: false,
  },
  {
    name: "ack: another request's nonce",
    packet: await seal(poke(goodAck, 28, goodAck[28] ^ 1)),
    valid: false,
  },
  {
    name: "ack: another key id than the request's (resealed)",
    packet: await seal(poke(goodAck, 27, 1)),
    valid: false,
  },
  {
    name: "ack: another request's time",
    packet: await seal(poke(goodAck, 23, goodAck[23] ^ 1)),
    valid: false,
  },
  {
    name: "ack: another boot id than the request's",
    packet: await seal(poke(goodAck, 8, goodAck[8] ^ 1)),
    valid: false,
  },
  {
    name: "ack: count 2 for a 3-key request",
    packet: await seal(poke(goodAck.slice(0, 58), 7, 2)),
    valid: false,
  },
  {
    name: "ack: status 3 (unknown)",
    packet: await seal(poke(goodAck, 40, 3)),
    valid: false,
  },
  {
    name: "ack: unknown flag 0x08",
    packet: await seal(poke(goodAck, 6, 8)),
    valid: false,
  },
  {
    name: "ack: OUTPUT_FOLLOWS with REPEAT (0x03: a re-ack never has output)",
    packet: await seal(poke(goodAck, 6, 3)),
    valid: false,
  },
  {
    name: "ack: OUTPUT_FOLLOWS with OUTPUT_BUSY (0x06)",
    packet: await seal(poke(goodAck, 6, 6)),
    valid: false,
  },
  {
    name: "ack: version 1",
    packet: await seal(poke(goodAck, 4, 1)),
    valid: false,
  },
  {
    name: "ack: from another host",
    packet: await ack(replyRequest, [0, 0, 0], 0, V4_OTHER),
    valid: false,
  },
  {
    name: "ack: tagged with the request label",
    packet: await seal(goodAck, V4, "req"),
    valid: false,
  },
  {
    name: "ack: one trailing byte",
    packet: Uint8Array.from([...goodAck, 0]),
    valid: false,
  },
  { name: "ack: truncated", packet: goodAck.slice(0, 48), valid: false },
  {
    name: "the request itself echoed back",
    packet: replyRequest,
    valid: false,
  },
  {
    name: "refusal: another password",
    packet: await refusalOf(Reason.STALE, V4, otherKeyBytes),
    valid: false,
  },
  {
    name: "refusal: reason 5 (unknown)",
    packet: await refusalOf(5),
    valid: false,
  },
  {
    name: "refusal: nonce changed after tagging",
    packet: poke(await refusalOf(Reason.STALE), 39, 0),
    valid: false,
  },
  {
    name: "refusal: boot id all zero",
    packet: await answer(
      Type.REFUSAL,
      replyRequest,
      Reason.BOOT,
      "0000000000000000",
      NOW,
    ),
    valid: false,
  },
  {
    name: "refusal: tagged with the clock label",
    packet: await seal(await refusalOf(Reason.STALE), V4, "clk"),
    valid: false,
  },
  {
    name: "clock answer to a request (not a probe)",
    packet: await answer(Type.CLOCK, replyRequest, 0, BOOT, NOW),
    valid: false,
  },
  {
    name: "clock answer: another probe's nonce",
    packet: await answer(Type.CLOCK, await probe(72), 0, BOOT, NOW),
    toProbe: true,
    valid: false,
  },
  {
    name: "clock answer: tagged with the refusal label",
    packet: await seal(goodClock, V4, "ref"),
    toProbe: true,
    valid: false,
  },
  {
    name: "clock answer: flags not zero",
    packet: await seal(poke(goodClock, 6, 1)),
    toProbe: true,
    valid: false,
  },
  {
    name: "clock answer: boot id all zero",
    packet: await answer(Type.CLOCK, replyProbe, 0, "0000000000000000", NOW),
    toProbe: true,
    valid: false,
  },
  {
    name: "clock answer: from another host",
    packet: await answer(Type.CLOCK, replyProbe, 0, BOOT, NOW, V4_OTHER),
    toProbe: true,
    valid: false,
  },
  {
    name: "a refusal in answer to the probe",
    packet: await answer(Type.REFUSAL, replyProbe, Reason.STALE, BOOT, NOW),
    toProbe: true,
    valid: false,
  },
  {
    name: "the probe itself echoed back",
    packet: replyProbe,
    toProbe: true,
    valid: false,
  },
  { name: "empty", packet: new Uint8Array(0), valid: false },
  ...keyedReplies,
];

function expectedReply(p: Uint8Array) {
  const bootIdHex = hex(p.subarray(8, 16));
  const time = Number(timeOf(p));
  if (p[5] === Type.ACK) {
    return {
      type: "ack",
      bootIdHex,
      timestamp: time,
      statuses: [...p.subarray(40, 40 + p[7])],
      repeat: (p[6] & REPEAT) !== 0,
    };
  }
  if (p[5] === Type.REFUSAL) {
    return { type: "refusal", reason: p[6], bootIdHex, serverTime: time };
  }
  if (p[7] === 0) return { type: "clock", bootIdHex, serverTime: time };
  return {
    type: "clock",
    bootIdHex,
    serverTime: time,
    infoHex: hex(p.subarray(40, 64)),
    info: INFO,
  };
}

function replyCase(c: ReplyCase) {
  const serverAddress = c.serverAddress ?? V4;
  const p = c.packet;
  const to = c.to ?? (c.toProbe ? replyProbe : replyRequest);
  const keyId = keyIdIn(to);
  const common = { keyIdHex: idHex(keyId), nonceHex: hex(to.subarray(28, 40)) };
  return {
    name: c.name,
    password: c.key === undefined ? PASSWORD : null,
    keyHex: hex(c.key ?? keyBytes),
    serverAddress,
    addressHex: ADDRESS_HEX[serverAddress],
    macAddressHex: ADDRESS_HEX[keyId === 0 ? serverAddress : NO_ADDRESS],
    request: to[5] === Type.PROBE
      ? { probe: true, ...common, info: to[7] === 24 }
      : {
        keys: new TextDecoder().decode(to.subarray(40, 40 + to[7])),
        bootIdHex: hex(to.subarray(8, 16)),
        timestamp: Number(timeOf(to)),
        ...common,
        ackWanted: (to[6] & ACK_WANTED) !== 0,
      },
    packetHex: hex(p),
    expected: c.valid ? expectedReply(p) : null,
  };
}

/** The cases of replies.json, as generate.ts writes them. */
export function replyVectors(): unknown[] {
  return replyCases.map(replyCase);
}

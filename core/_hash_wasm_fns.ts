// The hash-wasm functions the library uses, loaded through core/_hash_wasm.ts.
// Named here so that a bundler keeps only these and what they need.
//
// The ES module build, not the package entry: hash-wasm's "main" is its UMD
// build, which Deno loads through its CommonJS layer at ~15 ms per start.

// @ts-types="hash-wasm"
export {
  argon2id,
  createHMAC,
  createSHA1,
  createSHA256,
} from "hash-wasm/dist/index.esm.min.js";

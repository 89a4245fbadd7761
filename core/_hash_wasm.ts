// hash-wasm, loaded on first use rather than with the library: importing it
// costs a few milliseconds (216 KB of JavaScript), which programs that only
// load the library, or only build packets with a key they already have,
// should not pay; deriveKey starts the load beside its PBKDF2.

type HashWasm = typeof import("./_hash_wasm_fns.ts");

let loading: Promise<HashWasm> | undefined;

/** The hash-wasm functions the library uses, imported once. */
export function hashWasm(): Promise<HashWasm> {
  loading ??= import("./_hash_wasm_fns.ts").catch((error) => {
    loading = undefined;
    // Deno's own message names npm caches and flags; say what to do.
    throw new Error(
      "cannot load hash-wasm: run `deno install` once where the npm " +
        `registry is reachable (${String(error.message).split("\n")[0]})`,
    );
  });
  return loading;
}

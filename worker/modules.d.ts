// Module types for wrangler's default module rules (and @cloudflare/vitest-pool-workers):
// `*.wasm` imports are precompiled modules (CompiledWasm), `*.bin` imports are bytes (Data).

declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}

declare module "*.bin" {
  const bytes: ArrayBuffer;
  export default bytes;
}

/**
 * Module types for the files wrangler bundles as non-JavaScript modules (its default rules):
 * `*.txt` → Text (a string), `*.bin` → Data (an ArrayBuffer), `*.wasm` → CompiledWasm
 * (a WebAssembly.Module). The `.bin` and widget files are written by src/worker/build.ts.
 */
declare module '*.txt' {
  const text: string;
  export default text;
}

declare module '*.bin' {
  const data: ArrayBuffer;
  export default data;
}

declare module '*.wasm' {
  const module: WebAssembly.Module;
  export default module;
}

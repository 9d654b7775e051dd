/** Whether this runs in Node (not a browser or worker): decides wasm's threading and where files come from. */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions?.node === 'string';
}

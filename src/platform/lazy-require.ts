/**
 * require(), for what a module loads at its first use (node:tty, node:os, node:crypto, the keyring's
 * addon) rather than with the bundle. In a bundle it is the bundle's own `require`, the launcher's, in
 * the same directory; making one with node:module's createRequire instead cost every cached `env` about
 * half a millisecond, as Node builds that module's public exports at its first require. Run from the
 * sources (ES modules, as the tests do) there is no `require`, and one is made for this file.
 */
export function lazyRequire(id: string): unknown {
  if (typeof require === 'function') return require(id);
  return process.getBuiltinModule('node:module').createRequire(import.meta.url)(id);
}

/**
 * node:os, loaded at its first use. A cached `env` (src/fast-env.ts) seldom needs it (HOME is set, no
 * signal arrives), and loading it with the bundle cost every start about a millisecond.
 */
import { createRequire } from 'node:module';

let loaded: typeof import('node:os') | undefined;

export function nodeOs(): typeof import('node:os') {
  // process.getBuiltinModule came with Node 20.16; before, a require of any base path reaches builtins.
  loaded ??= process.getBuiltinModule?.('node:os') ?? (createRequire(process.execPath)('node:os') as typeof import('node:os'));
  return loaded;
}

/**
 * node:os, loaded at its first use. A cached `env` (src/fast-env.ts) seldom needs it (HOME is set, no
 * signal arrives), and loading it with the bundle cost every start about a millisecond.
 */
import { lazyRequire } from './lazy-require.js';

let loaded: typeof import('node:os') | undefined;

export function nodeOs(): typeof import('node:os') {
  loaded ??= lazyRequire('node:os') as typeof import('node:os');
  return loaded;
}

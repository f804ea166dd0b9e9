#!/usr/bin/env node
/**
 * The awsmfa command. It runs the bundle beside it (awsmfa-main.js) through the V8 code cache that the
 * build made for it (awsmfa-main.cache), so that a start does not spend a third of its time compiling
 * the bundle: Node 20 has no module.enableCompileCache (that came in 22.1). A cache that V8 does not
 * accept, say after a Node upgrade, is ignored and the bundle compiled as usual.
 *
 * A cached `env` is answered by awsmfa-env.js (src/fast-env.ts), run first for `env` and `use` command
 * lines; the full CLI is loaded only when it declines.
 *
 * The bundles a command loads later (the STS client, ~550 KB, for a new session) are compiled through a
 * cache of their own too: without one, loading the SDK cost every new session about as much as the
 * whole start of a cached `env`.
 */

// Node opens its inspector on 127.0.0.1:9229 when it receives SIGUSR1, and any local user who can
// connect there can run code inside the process that holds the keys. A listener of our own replaces
// Node's handler (Node 20 has no --disable-sigusr1), so the signal does nothing. It is installed before
// anything else runs, leaving only the few milliseconds of Node's own start-up.
process.on('SIGUSR1', () => undefined);

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Module as NodeModule } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

// The class of this very module, which node:module exports: requiring node:module would cost every start
// about half a millisecond, as Node builds that module's public exports at its first require.
const Module = module.constructor as typeof NodeModule;
type Module = NodeModule;
const building = process.env.AWSMFA_BUILD_CODE_CACHE === '1';
/** Bundles the main bundle requires when it needs them; each has `<name>.cache` beside it. */
const LAZY = ['sts-client.js'].map((name) => join(__dirname, name));
const compiled = new Map<string, Script>();
/** The bundle that answers a cached `env` without the full CLI (src/fast-env.ts). */
const FAST_ENV = 'awsmfa-env.js';
const MAIN = 'awsmfa-main.js';

function cacheFileOf(file: string): string {
  return file.replace(/\.js$/, '.cache');
}

/**
 * The bundle, compiled with its code cache when there is one. The build wrote it as a CommonJS module's
 * function (scripts/build.mjs): the text is compiled as read, with no wrapper to add.
 */
function compile(file: string): Script {
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFileOf(file));
  } catch {
    cachedData = undefined;
  }
  const script = new Script(readFileSync(file, 'utf8'), { filename: file, ...(cachedData === undefined ? {} : { cachedData }) });
  compiled.set(file, script);
  return script;
}

/**
 * Runs a compiled bundle as a CommonJS module. Its `require` is this file's own: every bundle lives beside
 * it, so that one resolves what a require made for the bundle would, and making one costs each start.
 */
function run(script: Script, module: Module, file: string): void {
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, file, dirname(file));
}

// Node's loader hands a .js file to this function; the lazy bundles go through their cache instead.
type Loader = (module: Module, filename: string) => void;
const extensions = (Module as unknown as { _extensions: Record<string, Loader> })._extensions;
const loadJs = extensions['.js']!;
extensions['.js'] = (module, filename) => {
  if (LAZY.includes(filename)) run(compile(filename), module, filename);
  else loadJs(module, filename);
};

// Only the build asks for caches to be written, after a run has compiled what a start compiles. The
// lazy bundles are loaded then if the run did not need them, so that their top level is compiled too.
if (building) {
  process.on('exit', () => {
    const require = Module.createRequire(__filename);
    // Only for a run of the full CLI: the build's cached `env` runs (scripts/warm-env-cache.ts) are there
    // for the fast bundle's cache alone.
    if (compiled.has(join(__dirname, MAIN))) {
      for (const file of LAZY) if (!compiled.has(file)) require(file);
      if (!compiled.has(join(__dirname, FAST_ENV))) start(FAST_ENV);
    }
    for (const [file, script] of compiled) {
      const temporary = `${cacheFileOf(file)}.${process.pid}`;
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFileOf(file));
    }
  });
}

/** Runs a bundle beside this file as the main module would be run, through its code cache; its exports. */
function start(name: string): unknown {
  const bundle = join(__dirname, name);
  const module = new Module(bundle);
  module.filename = bundle;
  run(compile(bundle), module, bundle);
  return module.exports;
}

const runFullCli = () => void start(MAIN);
// A cached `env` (the command a shell runs most) is answered by a bundle of its own, a third of the
// size, without the command-line parser; whatever it declines goes to the full CLI, in this process.
// AWSMFA_FULL_CLI=1 skips it (the tests run each case both ways and compare).
const argv = process.argv.slice(2);
if ((argv[0] === 'env' || argv[0] === 'use') && process.env.AWSMFA_FULL_CLI !== '1') {
  const fast = start(FAST_ENV) as { fastEnv: (argv: readonly string[]) => Promise<boolean> };
  void fast.fastEnv(argv).then((done) => {
    // Done, with everything written: the process ends now, as tearing down Node's environment the way a
    // natural exit does costs a cached `env` about a millisecond. A tick later, so that a write error
    // the output reports on the next tick (its 'error' event, which sets the status) comes first.
    if (done) process.nextTick(() => process.exit());
    else runFullCli();
  });
} else {
  runFullCli();
}

#!/usr/bin/env node
/**
 * The awsmfa command. It runs the bundle beside it (awsmfa-main.js) through the V8 code cache that the
 * build made for it (awsmfa-main.cache), so that a start does not spend a third of its time compiling
 * the bundle: Node 20 has no module.enableCompileCache (that came in 22.1). A cache that V8 does not
 * accept, say after a Node upgrade, is ignored and the bundle compiled as usual.
 */

// Node opens its inspector on 127.0.0.1:9229 when it receives SIGUSR1, and any local user who can
// connect there can run code inside the process that holds the keys. A listener of our own replaces
// Node's handler (Node 20 has no --disable-sigusr1), so the signal does nothing. It is installed before
// anything else runs, leaving only the few milliseconds of Node's own start-up.
process.on('SIGUSR1', () => undefined);

import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire, Module } from 'node:module';
import { dirname, join } from 'node:path';
import { Script } from 'node:vm';

const bundle = join(__dirname, 'awsmfa-main.js');
const cacheFile = join(__dirname, 'awsmfa-main.cache');

let cachedData: Buffer | undefined;
try {
  cachedData = readFileSync(cacheFile);
} catch {
  cachedData = undefined;
}
const script = new Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, ...(cachedData === undefined ? {} : { cachedData }) });

// Only the build asks for a cache to be written, after a run has compiled what a start compiles.
if (process.env.AWSMFA_BUILD_CODE_CACHE === '1') {
  process.on('exit', () => {
    const temporary = `${cacheFile}.${process.pid}`;
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  });
}

const module = new Module(bundle);
module.filename = bundle;
(script.runInThisContext() as (...args: unknown[]) => void)(module.exports, createRequire(bundle), module, bundle, dirname(bundle));

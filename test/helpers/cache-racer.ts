/**
 * One side of the torn-read race, in a process of its own so that readers and the writer really run at
 * the same time (on different cores, or interleaved by the kernel), not taking turns on one event loop.
 *
 *   node --import tsx cache-racer.ts write <cache dir> <count> <done file>
 *     writes <count> versions of one entry, each of a different length, then creates <done file>;
 *   node --import tsx cache-racer.ts read <cache dir> <done file>
 *     says "ready", reads the entry until <done file> exists, then prints what it saw as JSON.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { SessionCache, type CachedSession } from '../../src/session/cache.js';

const KEY = 'race';

/** Version n of the entry: its secret and token lengths name n, so a mix of two versions shows. */
export function version(n: number): CachedSession {
  return {
    version: 1,
    kind: 'mfa',
    profile: 'doug',
    sourceKeyId: 'AKIADOUGDOUG0EXAMPLE',
    accessKeyId: `ASIA${String(n).padStart(16, '0')}`,
    secretAccessKey: 'x'.repeat(40 + n),
    sessionToken: 't'.repeat(4000 + 7 * n),
    expiration: new Date(Date.now() + 3600_000).toISOString(),
    createdAt: new Date().toISOString(),
  };
}

const [role, dir, ...rest] = process.argv.slice(2);
const cache = new SessionCache(dir!);

if (role === 'write') {
  const [count, done] = rest;
  for (let n = 1; n <= Number(count); n += 1) await cache.write(KEY, version(n));
  writeFileSync(done!, '');
} else {
  const [done] = rest;
  let reads = 0;
  let misses = 0;
  let torn = 0;
  const seen = new Set<number>();
  process.stdout.write('ready\n');
  while (!existsSync(done!)) {
    const read = await cache.read(KEY);
    reads += 1;
    if (read === undefined) {
      // Before the first write lands there is no entry yet; after it, a miss is a half-written file.
      if (seen.size > 0) misses += 1;
      continue;
    }
    const n = Number(read.accessKeyId.slice(4));
    if (read.secretAccessKey.length !== 40 + n || read.sessionToken.length !== 4000 + 7 * n) torn += 1;
    seen.add(n);
  }
  process.stdout.write(`${JSON.stringify({ reads, misses, torn, versions: seen.size })}\n`);
}

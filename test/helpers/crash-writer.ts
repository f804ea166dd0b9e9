/**
 * A cache writer that is killed between writing and renaming: `rename` is replaced by one that announces
 * itself and never finishes, so the test can SIGKILL this process at exactly that point. Run as
 * `node --import tsx crash-writer.ts <cache dir> <target file>` with the entry as JSON on stdin.
 */
import fs from 'node:fs/promises';
import { syncBuiltinESMExports } from 'node:module';
import { text } from 'node:stream/consumers';
import { SessionCache } from '../../src/session/cache.js';

const [dir, target] = process.argv.slice(2);
const entry: unknown = JSON.parse(await text(process.stdin));
(fs as { rename: unknown }).rename = () => {
  process.stdout.write('renaming\n');
  return new Promise(() => undefined);
};
// Named imports of node:fs/promises (as in cache.ts) now see the replacement too.
syncBuiltinESMExports();
setInterval(() => undefined, 60_000);
await new SessionCache(dir!).writeJson(target!, entry);

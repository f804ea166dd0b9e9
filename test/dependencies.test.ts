/**
 * Every package that package.json declares is used: imported by the code, the scripts or the tests,
 * or run by an npm script. A declared package nothing uses is weight every install carries.
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ROOT } from './helpers/fixture.js';

async function sources(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await sources(path)));
    else if (/\.(ts|mjs|js|cs)$/.test(entry.name)) found.push(await readFile(join(ROOT, path), 'utf8'));
  }
  return found;
}

test('every declared dependency is imported or run by an npm script', async () => {
  const manifest = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
    scripts: Record<string, string>;
  };
  const code = (await Promise.all(['src', 'scripts', 'test'].map(sources))).flat().join('\n');
  const scripts = Object.values(manifest.scripts).join('\n');
  // Used by the compiler itself rather than imported: the type definitions of Node, and tsc.
  // And what svg-term (npm run record) requires at run time without declaring it.
  const implicit: Record<string, boolean> = { '@types/node': true, typescript: /\btsc\b/.test(scripts), '@emotion/styled': true, '@emotion/core': true };
  const unused = Object.keys({ ...manifest.dependencies, ...manifest.devDependencies }).filter((name) => {
    if (implicit[name]) return false;
    const escaped = name.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    const imported = new RegExp(`(from |import\\(|require\\()\\s*['"]${escaped}(/[^'"]*)?['"]`).test(code);
    const run = new RegExp(`(^|[\\s=])${escaped}(\\s|$)`, 'm').test(scripts);
    return !imported && !run;
  });
  assert.deepEqual(unused, [], `declared in package.json but used by nothing: ${unused.join(', ')}`);
});

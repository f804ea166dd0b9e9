// Bundles the CLI into dist/ so that start-up does not pay for module resolution.
// CommonJS, not ESM: Node's ESM loader costs a start-up a good part of its time (module jobs, a facade
// per built-in module), and the bundle has nothing left to resolve. dist/package.json says so to Node.
// Two separate bundles, not one split one: under code splitting the SDK and the config loader share
// @smithy/core modules, and the shared chunks the CLI then has to load at start-up cost more than the
// few kilobytes the two bundles repeat. The SDK bundle is loaded only when a command needs the network.
import { build } from 'esbuild';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');
// Built beside dist/ and swapped in whole, so that a CLI started meanwhile finds the old build or the new one.
const outdir = await mkdtemp(join(root, '.dist-'));
await chmod(outdir, 0o755);

/** Bundles reached by dynamic import: kept out of the CLI bundle, imported from dist/ at run time. */
const LAZY = { 'sts-client': 'src/aws/sts-client.ts' };

const lazyImports = {
  name: 'lazy-bundles',
  setup(build) {
    const names = Object.keys(LAZY).join('|');
    build.onResolve({ filter: new RegExp(`/(${names})\\.js$`) }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const name = args.path.split('/').pop();
      return { path: `./${name}`, external: true };
    });
  },
};

const common = {
  bundle: true,
  format: 'cjs',
  platform: 'node',
  // ESM builds of the dependencies where they have them, so that what is not used is left out.
  mainFields: ['module', 'main'],
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  // A native addon cannot be bundled: the keyring binding is required from node_modules when a profile uses it.
  external: ['@napi-rs/keyring'],
  logLevel: 'warning',
  // import() as require(): the bundle runs through vm.Script (see src/launcher.ts), which has no loader
  // for import(); what it imports lazily are CommonJS files beside it and Node's own modules.
  supported: { 'dynamic-import': false },
  // import.meta.url (where the bundle lives, to find shells/ beside it) as a CommonJS module knows it,
  // made when first read: the cached `env` never reads it, and making it costs node:url's URL code.
  // Each bundle the launcher runs (src/launcher.ts) is written as the function it calls, the wrapper a
  // CommonJS module gets from Node, so that a start compiles the text as read: wrapping it when read made
  // V8 copy the whole text once more before compiling it.
  banner: {
    js: "(function(exports,require,module,__filename,__dirname){const __awsmfaMeta={get url(){return require('node:url').pathToFileURL(__filename).href}};",
  },
  footer: { js: '\n})' },
  define: { AWSMFA_VERSION: JSON.stringify(pkg.version), 'import.meta.url': '__awsmfaMeta.url' },
};

await Promise.all([
  build({ ...common, entryPoints: { 'awsmfa-main': 'src/main.ts' }, outdir, plugins: [lazyImports] }),
  // A cached `env`, run before the full CLI is loaded (see src/fast-env.ts): only what it needs, so that
  // it starts in about the time Node itself does.
  // Its names shortened too: the text a cached `env` reads and holds is 100 KB instead of 141 KB. Nothing
  // of it reaches a user as a stack trace: whatever goes wrong there is declined, and the full CLI (names
  // kept) meets it again and reports it.
  build({ ...common, entryPoints: { 'awsmfa-env': 'src/fast-env.ts' }, outdir, minifyIdentifiers: true }),
  build({ ...common, entryPoints: { awsmfa: 'src/launcher.ts' }, outdir, banner: {}, footer: {} }),
  build({ ...common, entryPoints: LAZY, outdir }),
]);
await writeFile(join(outdir, 'package.json'), '{ "type": "commonjs" }\n');
// The code cache: one run compiles what a start compiles, and the launcher saves V8's code for it.
await promisify(execFile)(process.execPath, [join(outdir, 'awsmfa.js'), '--version'], {
  env: { ...process.env, AWSMFA_BUILD_CODE_CACHE: '1' },
});
// The cached env's bundle gets its cache from cached envs, so that it holds the functions they run.
await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/warm-env-cache.ts', outdir], { cwd: root });
const old = `${outdir}-old`;
await rename(dist, old).catch((error) => {
  if (error.code !== 'ENOENT') throw error;
});
await rename(outdir, dist);
await rm(old, { recursive: true, force: true });

// completions/ is generated from the command definitions just bundled, so a command added to src/cli.ts
// reaches every shell's completions with the next build.
await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/gen-completions.ts'], {
  cwd: new URL('..', import.meta.url).pathname,
});

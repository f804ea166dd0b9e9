// Bundles the CLI into dist/ so that start-up does not pay for module resolution.
// Two separate bundles, not one split one: under code splitting the SDK and the config loader share
// @smithy/core modules, and the shared chunks the CLI then has to load at start-up cost more than the
// few kilobytes the two bundles repeat. The SDK bundle is loaded only when a command needs the network.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const outdir = new URL('../dist/', import.meta.url).pathname;

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
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require() for Node built-ins.
  banner: {
    js: "import{createRequire as __awsmfaRequire}from'node:module';const require=__awsmfaRequire(import.meta.url);",
  },
  define: { AWSMFA_VERSION: JSON.stringify(pkg.version) },
};

await rm(outdir, { recursive: true, force: true });
await Promise.all([
  build({ ...common, entryPoints: { awsmfa: 'src/main.ts' }, outdir, plugins: [lazyImports] }),
  build({ ...common, entryPoints: LAZY, outdir }),
]);

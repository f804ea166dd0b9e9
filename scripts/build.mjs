// Bundles the CLI into dist/ so that start-up does not pay for module resolution.
// Code splitting keeps the AWS SDK (reached only through dynamic import) in its own chunk,
// loaded only when a command needs the network.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';

const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const outdir = new URL('../dist/', import.meta.url).pathname;
await rm(outdir, { recursive: true, force: true });
await build({
  entryPoints: { awsmfa: 'src/main.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  // Some dependencies are CommonJS and call require() for Node built-ins.
  banner: {
    js: "import{createRequire as __awsmfaRequire}from'node:module';const require=__awsmfaRequire(import.meta.url);",
  },
  define: { AWSMFA_VERSION: JSON.stringify(pkg.version) },
});

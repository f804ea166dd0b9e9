// Writes completions/: each shell's completion script, generated from the command definitions that
// src/cli.ts registers (the same that --help shows). Run by scripts/build.mjs; the committed files are
// checked against this by test/completions.test.ts.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCli } from '../src/cli.js';
import { completionSpec } from '../src/shell/completions.js';
import { SHELL_NAMES, dialectFor } from '../src/shell/index.js';
import { renderCompletions } from '../src/shell/integration.js';

const cli = createCli();

export const COMPLETIONS_DIR = fileURLToPath(new URL('../completions/', import.meta.url));

/** File name in completions/ → its content. */
export async function completionFiles(): Promise<Map<string, string>> {
  const spec = completionSpec(cli.definitions(), SHELL_NAMES);
  const files = new Map<string, string>();
  for (const shell of SHELL_NAMES) {
    const dialect = dialectFor(shell);
    files.set(dialect.integration.completionFile, await renderCompletions(dialect, spec));
  }
  return files;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await mkdir(COMPLETIONS_DIR, { recursive: true });
  for (const [name, text] of await completionFiles()) await writeFile(join(COMPLETIONS_DIR, name), text);
}

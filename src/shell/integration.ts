/**
 * The shell integration is shell code kept in its own files (shells/awsmfa.<shell> and the completion
 * templates in shells/completion/), each a valid script of its shell so that the shell's own syntax
 * check and shellcheck can read it. This module fills their placeholders; what to fill them with is
 * rendered by each dialect, so nothing here knows one shell from another.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AwsmfaError } from '../errors.js';
import type { CompletionSpec } from './completions.js';
import type { Dialect } from './dialect.js';

export interface ShellIntegration {
  /** The integration script in shells/ whose placeholders `init` fills. */
  readonly integrationFile: string;
  /** The completion script: its template in shells/completion/, the generated file in completions/. */
  readonly completionFile: string;
  /** Whether `name` can name the wrapper function (`init --cmd`) in this shell. */
  isFunctionName(name: string): boolean;
  /** Code defining the data the completion template reads, put in place of its placeholder line. */
  completionData(spec: CompletionSpec): string;
  /** Where an interactive shell of this kind reads its startup code, and the line that loads awsmfa there. */
  startupFiles(home: string, configHome: string, env: NodeJS.ProcessEnv): StartupFiles;
  /**
   * For a shell whose Tab completion can be missing although the integration is loaded: a new
   * interactive shell, run as after its first prompt, that prints `awsmfa completes` when Tab would
   * complete awsmfa, and the fix when it would not.
   */
  readonly completionProbe?: { readonly program: string; readonly args: readonly string[]; readonly fix: string };
  /**
   * How the completion script and the filled integration become `init`'s output (default: one after
   * the other). `shipped` is the completion script awsmfa ships (completions/ of this installation)
   * when that file holds exactly `completions`, for a shell that can load it later instead.
   */
  combine?(completions: string, integration: string, shipped: string | undefined): string;
}

export interface StartupFiles {
  /** Startup files an interactive shell reads, in the order it reads them. */
  readonly startup: readonly string[];
  /** Directories whose every file is read at startup (fish's conf.d). */
  readonly startupDirs: readonly string[];
  readonly suggestion: string;
}

export interface InitOptions {
  /** The node binary and the bundled CLI the wrapper runs (absolute paths). */
  readonly node: string;
  readonly script: string;
  /** The name of the wrapper function. */
  readonly command: string;
  readonly prompt: boolean;
  readonly aliases: boolean;
  readonly aliasPrefix: string;
}

const PLACEHOLDER = /__AWSMFA_[A-Z_]+__/g;
const DATA_LINE = /^__AWSMFA_COMPLETION_DATA__$/m;

/**
 * The shells/ directory of this installation. The CLI runs bundled from dist/ (shells/ is its sibling)
 * and, in tests, from src/shell/ (two levels down); both are found by walking up from this module.
 */
export function shellsDirectory(from: string = import.meta.url): string {
  let dir = dirname(fileURLToPath(from));
  for (let level = 0; level < 4; level++) {
    const candidate = join(dir, 'shells');
    if (existsSync(join(candidate, 'completion'))) return candidate;
    dir = dirname(dir);
  }
  throw new AwsmfaError('cannot find the shell integration files (the shells/ directory of awsmfa)', {
    hint: 'Reinstall awsmfa: shells/ must sit next to dist/ as in the package.',
  });
}

async function template(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new AwsmfaError(`cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? 'unknown error'})`, {
      hint: 'Reinstall awsmfa: its shells/ directory is incomplete.',
    });
  }
}

/** Replaces every placeholder; one without a value is a broken template, never silently passed on. */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>, source: string): string {
  const missing = new Set<string>();
  const filled = text.replace(PLACEHOLDER, (placeholder) => {
    const value = values[placeholder];
    if (value === undefined) missing.add(placeholder);
    return value ?? placeholder;
  });
  if (missing.size > 0) {
    throw new AwsmfaError(`${source} has placeholders awsmfa does not know: ${[...missing].join(', ')}`, {
      hint: 'The shells/ files do not match this version of awsmfa; reinstall it.',
    });
  }
  return filled;
}

/** The completion script of a shell: its template with the command data filled in. */
export async function renderCompletions(dialect: Dialect, spec: CompletionSpec, shells: string = shellsDirectory()): Promise<string> {
  const path = join(shells, 'completion', dialect.integration.completionFile);
  const text = await template(path);
  if (!DATA_LINE.test(text)) {
    throw new AwsmfaError(`${path} has no __AWSMFA_COMPLETION_DATA__ line`, { hint: 'Reinstall awsmfa: its shells/ directory is damaged.' });
  }
  const data = dialect.integration.completionData(spec).replace(/\n*$/, '');
  // A function replacement keeps `$&` and friends in the data from being read as patterns.
  return fillPlaceholders(text.replace(DATA_LINE, () => data), {}, path);
}

/** `awsmfa init`: the completions, then the integration with its placeholders filled. */
export async function renderInit(dialect: Dialect, spec: CompletionSpec, options: InitOptions, shells: string = shellsDirectory()): Promise<string> {
  const { integration, quote } = dialect;
  if (!integration.isFunctionName(options.command)) {
    throw new AwsmfaError(`${JSON.stringify(options.command)} cannot name a ${dialect.name} function`, {
      hint: 'Pick a plain word for --cmd: letters, digits, _ and - (not starting with -), and not a keyword of the shell.',
    });
  }
  const path = join(shells, integration.integrationFile);
  const flag = (on: boolean) => quote(on ? '1' : '');
  const completions = await renderCompletions(dialect, spec, shells);
  const shipped = await shippedCompletions(join(dirname(shells), 'completions', integration.completionFile), completions);
  const body = fillPlaceholders(
    await template(path),
    {
      __AWSMFA_NODE__: quote(options.node),
      __AWSMFA_SCRIPT__: quote(options.script),
      __AWSMFA_CMD__: options.command,
      __AWSMFA_PROMPT__: flag(options.prompt),
      __AWSMFA_ALIASES__: flag(options.aliases),
      __AWSMFA_ALIAS_PREFIX__: quote(options.aliasPrefix),
      __AWSMFA_COMPLETION_FILE__: quote(shipped ?? ''),
    },
    path,
  );
  return integration.combine ? integration.combine(completions, body, shipped) : `${completions}\n${body}`;
}

/** `path` when that file holds exactly `text` (a build of this very version), else undefined. */
async function shippedCompletions(path: string, text: string): Promise<string | undefined> {
  const found = await readFile(path, 'utf8').catch(() => undefined);
  return found === text ? path : undefined;
}

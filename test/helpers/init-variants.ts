/**
 * Every combination of `awsmfa init`'s options (--no-prompt, --no-aliases, --cmd, --alias-prefix), and
 * each rendered in-process exactly as the command renders it, so that a test can lint or run all of
 * them without starting the CLI once per combination (init-render.test.ts checks that the CLI prints
 * the same text).
 */
import { allDefinitions } from '../../src/commands/definitions.js';
import { completionSpec, type CompletionSpec } from '../../src/shell/completions.js';
import { SHELL_NAMES, dialectFor, type ShellName } from '../../src/shell/index.js';
import { renderInit } from '../../src/shell/integration.js';
import { CLI } from './fixture.js';

/** A wrapper name with a `-` and a `_`, which every shell takes as a function name. */
export const CUSTOM_COMMAND = 'mfa_x-1';
/** A prefix that needs quoting in every shell; no alias name can start with it, so none is defined. */
export const AWKWARD_PREFIX = "it's \\ $(x) `y` %z-";
/** A prefix that is not the default and still makes names every shell takes. */
export const PLAIN_PREFIX = 'p.';

export interface InitVariant {
  /** The options, as a user types them. */
  readonly args: readonly string[];
  readonly label: string;
  readonly command: string;
  readonly prompt: boolean;
  readonly aliases: boolean;
  readonly aliasPrefix: string;
}

function variant(prompt: boolean, aliases: boolean, command: string, aliasPrefix: string): InitVariant {
  const args = [
    ...(prompt ? [] : ['--no-prompt']),
    ...(aliases ? [] : ['--no-aliases']),
    ...(command === 'awsmfa' ? [] : ['--cmd', command]),
    ...(aliasPrefix === 'aws-' ? [] : ['--alias-prefix', aliasPrefix]),
  ];
  const label = args.length === 0 ? '(no options)' : args.map((arg) => (/^[\w.-]+$/.test(arg) ? arg : JSON.stringify(arg))).join(' ');
  return { args, label, command, prompt, aliases, aliasPrefix };
}

/** 2 × 2 × 2 × 4: prompt or not, aliases or not, the default wrapper name or another, four prefixes. */
export const INIT_VARIANTS: readonly InitVariant[] = [true, false].flatMap((prompt) =>
  [true, false].flatMap((aliases) =>
    ['awsmfa', CUSTOM_COMMAND].flatMap((command) =>
      ['aws-', AWKWARD_PREFIX, PLAIN_PREFIX, ''].map((prefix) => variant(prompt, aliases, command, prefix)),
    ),
  ),
);

let spec: Promise<CompletionSpec> | undefined;

/**
 * `awsmfa init <shell> <variant.args>` as the built CLI prints it when run by this node (or, given
 * `shells`, as an installation whose shells/ directory is that one would).
 */
export async function renderVariant(shell: ShellName, init: InitVariant, shells?: string): Promise<string> {
  spec ??= allDefinitions().then((definitions) => completionSpec(definitions, SHELL_NAMES));
  const options = { node: process.execPath, script: CLI, command: init.command, prompt: init.prompt, aliases: init.aliases, aliasPrefix: init.aliasPrefix };
  return renderInit(dialectFor(shell), await spec, options, shells);
}

/**
 * What a command line means before any command runs: `awsmfa help [command]`, the value names help
 * shows, and usage errors said in the user's words. clipanion's own report of a usage error lists
 * every candidate command and echoes the command line as the shell integration rewrote it; a person
 * wants one line naming the word that is wrong and the nearest right one, then the short usage.
 */
import { AwsmfaError } from '../errors.js';
import { nearest } from '../nearest.js';
import { VALUE_NAMES } from './options.js';

/** `awsmfa help [command …]` means `awsmfa [command …] --help`, as in git. */
export function helpWords(argv: readonly string[]): string[] {
  return argv[0] === 'help' ? [...argv.slice(1), '--help'] : [...argv];
}

/**
 * clipanion shows an option's value as `#0`; help names it (`--duration SECONDS`), and the option
 * lists of detailed help are lined up again for the longer words.
 */
export function nameValues(text: string): string {
  const named = text.replace(/(--[a-z][a-z0-9-]*)((?:,-[A-Za-z])?)((?: #\d+)+)/g, (_, name: string, short: string, values: string) => {
    return `${name}${short}${values.replace(/ #\d+/g, ` ${VALUE_NAMES[name] ?? 'VALUE'}`)}`;
  });
  const lines = named.split('\n');
  const option = /^ {2}(-\S+(?: [A-Z_]+)?) {2,}(\S.*)$/;
  const width = Math.max(0, ...lines.map((line) => option.exec(line)?.[1]!.length ?? 0));
  return lines.map((line) => line.replace(option, (_, definition: string, description: string) => `  ${definition.padEnd(width + 2)}${description}`)).join('\n');
}

/** What clipanion's definitions() says of a command, as far as usage errors need it. */
export interface CommandDefinition {
  readonly path: string;
  readonly usage: string;
  readonly options: readonly { readonly definition: string; readonly required?: boolean }[];
}

/** Options every command understands without declaring them. */
const GLOBAL_OPTIONS = ['--help', '-h', '--debug'];

function isUsageError(error: unknown): error is Error & { clipanion?: { type: string }; candidates?: readonly { reason: string | null }[] } {
  if (!(error instanceof Error)) return false;
  return error.name === 'UnknownSyntaxError' || error.name === 'AmbiguousSyntaxError' || (error as { clipanion?: { type?: string } }).clipanion?.type === 'usage';
}

function didYouMean(near: readonly string[]): string {
  return near.length === 0 ? '' : `; did you mean ${near.slice(0, -1).join(', ')}${near.length > 1 ? ' or ' : ''}${near.at(-1)}?`;
}

/**
 * The AwsmfaError to report for a usage error that clipanion threw while parsing `argv`, or undefined
 * when the error is not about usage. `argv` is what the program received: through the shell
 * integration `use` and `unset` also carry `--shell NAME`, which this never quotes back.
 */
export function explainUsageError(error: unknown, argv: readonly string[], definitions: readonly CommandDefinition[]): AwsmfaError | undefined {
  if (!isUsageError(error)) return undefined;
  const end = argv.indexOf('--');
  const words = end === -1 ? argv : argv.slice(0, end);
  const commands = definitions.map((definition) => ({ definition, words: definition.path.split(' ').slice(1) }));
  const match = commands
    .filter(({ words: path }) => path.length > 0 && path.every((word, index) => words[index] === word))
    .sort((a, b) => b.words.length - a.words.length)[0];
  const helpHint = 'Run `awsmfa --help` to see every command, and `awsmfa help <command>` for one of them.';

  if (match === undefined) {
    const first = words[0];
    if (first === undefined) return new AwsmfaError('awsmfa needs a command', { hint: helpHint });
    if (first.startsWith('-')) {
      const name = first.split('=')[0]!;
      return new AwsmfaError(`unknown option ${JSON.stringify(name)}${didYouMean(nearest(name, ['--help', '--version', '--debug'], 1))}`, { hint: helpHint });
    }
    const names = commands.map(({ words: path }) => path[0]!).filter((word) => !word.startsWith('-'));
    return new AwsmfaError(`unknown command ${JSON.stringify(first)}${didYouMean(nearest(first, [...names, 'help'], 2))}`, { hint: helpHint });
  }

  const command = `awsmfa ${match.words.join(' ')}`;
  const usage = `usage: ${nameValues(shortUsage(match.definition))}  (more: awsmfa help ${match.words.join(' ')})`;
  const options = match.definition.options.map(({ definition }) => ({
    names: definition.split(' ')[0]!.split(','),
    takesValue: / #\d/.test(definition),
  }));
  const known = new Set([...options.flatMap((option) => option.names), ...GLOBAL_OPTIONS]);
  for (let index = match.words.length; index < words.length; index += 1) {
    const word = words[index]!;
    if (!word.startsWith('-') || word === '-') continue;
    const name = word.startsWith('--') ? word.split('=')[0]! : word.slice(0, 2);
    if (known.has(name)) {
      if (options.find((option) => option.names.includes(name))?.takesValue && !word.includes('=') && word.length <= 2 + (word.startsWith('--') ? name.length : 0)) index += 1;
      continue;
    }
    const longNames = [...known].filter((option) => option.startsWith('--'));
    return new AwsmfaError(`unknown option ${JSON.stringify(name)} for \`${command}\`${didYouMean(nearest(name, longNames, 1))}`, { hint: usage });
  }
  // A known option given a value its validator refused, or arguments that do not fit.
  const reason = error.name === 'UnknownSyntaxError' ? (error.candidates?.find((candidate) => candidate.reason !== null)?.reason ?? 'These arguments do not fit this command.') : error.message;
  const sentence = reason.replace(/^Usage Error: /, '').replace(/\.$/, '');
  return new AwsmfaError(`\`${command}\`: ${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}`, { hint: usage });
}

/** One line: the command, its options, its arguments. */
function shortUsage(definition: CommandDefinition): string {
  const options = definition.options.map((option) => (option.required ? `<${option.definition}>` : `[${option.definition}]`));
  const rest = definition.usage.startsWith(definition.path) ? definition.usage.slice(definition.path.length).trim() : '';
  return [definition.path, ...options, rest].filter((part) => part !== '').join(' ');
}

/**
 * What the shells complete, derived from clipanion's command definitions: the same source as `--help`,
 * so a command or flag added to src/cli.ts shows up in every shell's completions at the next build.
 * This module only reads the definitions; each dialect renders the result in its own syntax.
 */
import type { Definition } from 'clipanion';

/**
 * What a value is, so a shell knows what to offer: profile names (read from the AWS config by the shell
 * itself), shell names, a command line (`exec … -- cmd`), or anything (file names, or nothing).
 */
export type ValueKind = 'profile' | 'shell' | 'command' | 'any';

export interface CompletionOption {
  /** Long names first, as declared: `--token-code`, `-c`. */
  readonly names: readonly string[];
  readonly description: string;
  /** The kind of value the option takes; undefined for a flag. */
  readonly value: ValueKind | undefined;
}

export interface CompletionCommand {
  /** The word after `awsmfa`. */
  readonly name: string;
  readonly description: string;
  readonly options: readonly CompletionOption[];
  /** One kind per positional argument, in order. */
  readonly positionals: readonly ValueKind[];
  /** Whether any number of further arguments may follow (clipanion's `...`), and of what kind. */
  readonly rest: ValueKind | undefined;
}

export interface CompletionSpec {
  readonly commands: readonly CompletionCommand[];
  /** Flags accepted right after `awsmfa` (`--help`, `--version`). */
  readonly globalOptions: readonly CompletionOption[];
  /** What `awsmfa init` / `--shell` accept. */
  readonly shells: readonly string[];
}

/** Named arguments and option values whose kind is known by their name. */
const KIND_BY_NAME: Readonly<Record<string, ValueKind>> = {
  profile: 'profile',
  profiles: 'profile',
  shell: 'shell',
  command: 'command',
  cmd: 'command',
};

const HELP_OPTION: CompletionOption = { names: ['--help', '-h'], description: 'show the help', value: undefined };

/** `<name>`, `[name]`, `[--flag #0]` and `...` each as one token, spaces inside brackets included. */
function usageTokens(usage: string): string[] {
  return usage.match(/<[^>]*>|\[[^\]]*\]|\S+/g) ?? [];
}

/** `--token-code,-c #0` → names and whether a value follows. */
function parseOptionDefinition(definition: string): { names: string[]; takesValue: boolean } {
  const [names = '', ...args] = definition.trim().split(/\s+/);
  return { names: names.split(',').filter(Boolean), takesValue: args.some((arg) => arg.startsWith('#')) };
}

/** By its name: `profile`, `--shell`; also `--to-profile` and the like, which name a profile too. */
function valueKind(name: string): ValueKind {
  const word = name.replace(/^-+/, '').toLowerCase();
  return KIND_BY_NAME[word] ?? (word.endsWith('-profile') ? 'profile' : 'any');
}

function firstLine(text: string | undefined): string {
  return (text ?? '').trim().split('\n')[0]?.trim() ?? '';
}

function option(definition: string, description: string | undefined): CompletionOption {
  const { names, takesValue } = parseOptionDefinition(definition);
  return { names, description: firstLine(description), value: takesValue ? valueKind(names[0] ?? '') : undefined };
}

/**
 * The completion spec of a CLI. Commands keep the order in which they were registered; a path whose
 * first word is a flag (`awsmfa --version`) becomes a global option instead of a command.
 */
export function completionSpec(definitions: readonly Definition[], shells: readonly string[]): CompletionSpec {
  const commands = new Map<string, { description: string; options: CompletionOption[]; positionals: ValueKind[]; rest: ValueKind | undefined }>();
  const globalOptions: CompletionOption[] = [HELP_OPTION];

  for (const definition of definitions) {
    const pathWords = definition.path.split(/\s+/).slice(1);
    const first = pathWords[0];
    if (first === undefined) continue;
    if (first.startsWith('-')) {
      globalOptions.push({ names: [first], description: firstLine(definition.description), value: undefined });
      continue;
    }
    // The shells' completion code puts command names into patterns and conditions unquoted.
    if (!/^[a-z0-9][a-z0-9_-]*$/i.test(first)) throw new Error(`command name ${JSON.stringify(first)} is not a plain word`);
    // Options with a description are listed apart; the others stay inline in the usage line.
    const options = definition.options.map((o) => option(o.definition, o.description));
    const positionals: ValueKind[] = [];
    let rest: ValueKind | undefined;
    for (const token of usageTokens(definition.usage).slice(1 + pathWords.length)) {
      const inner = token.replace(/^[<[]|[>\]]$/g, '');
      if (token === '...') rest = 'any';
      else if (inner.startsWith('-')) options.push(option(inner, undefined));
      else if (token.endsWith('...')) rest = valueKind(inner.replace(/\.\.\.$/, ''));
      else positionals.push(valueKind(inner));
    }
    const existing = commands.get(first);
    if (existing === undefined) {
      commands.set(first, { description: firstLine(definition.description), options, positionals, rest });
    } else {
      // Two registrations under one first word (`awsmfa x` and `awsmfa x y`): offer the union.
      for (const o of options) if (!existing.options.some((e) => e.names[0] === o.names[0])) existing.options.push(o);
      existing.rest ??= rest;
    }
  }

  return {
    commands: [...commands].map(([name, c]) => ({ name, ...c, options: [...c.options, HELP_OPTION] })),
    globalOptions,
    shells,
  };
}

/** Every option name of a command that takes a value. */
export function valuedOptionNames(command: CompletionCommand): string[] {
  return command.options.filter((o) => o.value !== undefined).flatMap((o) => o.names);
}

import { join } from 'node:path';
import { AwsmfaError } from '../errors.js';
import type { CompletionSpec } from './completions.js';
import type { AliasEntry } from './profile-index.js';
import { checkRecordNames, checkShellWord, recordOf, RECORD_MARK, renderChanges, type Dialect, type EnvChange } from './dialect.js';

/**
 * A POSIX single-quoted word. Between single quotes nothing is special but the closing quote, so a
 * quote in the value closes the run, is added as `\'` and the run reopens. zsh reads it the same way.
 */
export function quoteSingle(value: string): string {
  checkShellWord(value);
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/**
 * `enter` and `leave` for bash and zsh, which differ only in how a variable is removed. Each is one
 * `if … fi`: fish cannot parse `${…}` nor `fi`, PowerShell an `if` without parentheses, so there the
 * whole text is refused before any of it runs. The record is plain shell variables: assigned without
 * `export`, they stay in this shell (unless the user turned on `set -a`).
 */
export function posixSession(unset: string, apply: (changes: readonly EnvChange[]) => string): Pick<Dialect, 'enter' | 'leave'> {
  const indent = (code: string, depth: number) => code.replace(/^(?=.)/gm, ' '.repeat(4 * depth));
  // `[`, not `[[`: the code is also eval'd by sh (dash), as the bash dialect has always been.
  const isSet = (name: string) => `[ -n "\${${name}+x}" ]`;
  const save = (name: string) => `if ${isSet(name)}; then ${recordOf(name)}=$${name}; else ${unset} ${recordOf(name)}; fi\n`;
  const put = (name: string) => `if ${isSet(recordOf(name))}; then export ${name}="$${recordOf(name)}"; else ${unset} ${name}; fi\n`;
  return {
    enter(saved, changes) {
      checkRecordNames(saved);
      const changed = apply(changes);
      return [
        'if true; then\n',
        `    if [ -z "\${${RECORD_MARK}+x}" ]; then\n`,
        `        ${RECORD_MARK}=1\n`,
        indent(saved.map(save).join(''), 2),
        '    fi\n',
        indent(saved.map(put).join(''), 1),
        // Not indented: each statement a line of its own, as `apply` writes it (and as people grep for it).
        changed,
        'fi\n',
      ].join('');
    },
    leave(saved, otherwise, always) {
      checkRecordNames(saved);
      const fallback = apply(otherwise);
      const after = apply(always);
      return [
        'if true; then\n',
        `    if ${isSet(RECORD_MARK)}; then\n`,
        indent(saved.map((name) => `${put(name)}${unset} ${recordOf(name)}\n`).join(''), 2),
        `        ${unset} ${RECORD_MARK}\n`,
        ...(fallback === '' ? [] : ['    else\n', indent(fallback, 2)]),
        '    fi\n',
        indent(after, 1),
        // Status 0, whatever ran last inside (an `if` whose test failed and that has no `else`, say).
        '    true\n',
        'fi\n',
      ].join('');
    },
  };
}

function applyBash(changes: readonly EnvChange[]): string {
  // `unset -v`: bash's plain `unset NAME` removes a *function* NAME when no variable of that name exists.
  return renderChanges(changes, ({ name, value }) => (value === null ? `unset -v ${name}` : `export ${name}=${quoteSingle(value)}`));
}

export const bash: Dialect = {
  name: 'bash',
  quote: quoteSingle,
  apply: applyBash,
  ...posixSession('unset -v', applyBash),
  failure() {
    // eval returns the status of its last command; `false` fails without printing or exiting the shell.
    return 'false\n';
  },
  applyLine: (command) => `eval "$(${command})"`,
  integration: {
    startupFiles: (home) => ({
      startup: [join(home, '.bashrc'), join(home, '.bash_profile'), join(home, '.bash_login'), join(home, '.profile')],
      startupDirs: [],
      suggestion: `add to ~/.bashrc: eval "$(awsmfa init bash)"`,
    }),
    integrationFile: 'awsmfa.bash',
    completionFile: 'awsmfa.bash',
    isFunctionName: (name) => isPosixFunctionName(name, BASH_RESERVED),
    completionData: bashCompletionData,
    combine: combineBash,
  },
  index: {
    // 2: the aliases left the index for a file of their own, and run `__awsmfa_use`.
    version: 2,
    // The index lists only profile names: the aliases are a file of their own (aliasFile).
    aliasLines: () => [],
    // Read by one mapfile and given to one `alias` call as they are: nothing in them is parsed again.
    aliasFile: (aliases) => aliases.map((alias) => `${aliasDefinition(alias)}\n`).join(''),
    isAliasName: isPosixAliasName,
    builtins: new Set(
      '. : [ alias bg bind break builtin caller cd command compgen complete compopt continue declare dirs disown echo enable eval exec exit export false fc fg getopts hash help history jobs kill let local logout mapfile popd printf pushd pwd read readarray readonly return set shift shopt source suspend test times trap true type typeset ulimit umask unalias unset wait if then else elif fi case esac for select while until do done in function time { } ! [[ ]] coproc'.split(' '),
    ),
    aliasesShadowCommands: true,
  },
};

/** The line of shells/awsmfa.bash that the completion script (or its start-up part) replaces. */
const COMPLETION_LINE = /^#AWSMFA-COMPLETION-SCRIPT$/m;
/** The line of the completion script after which comes what only Tab runs. */
const TAB_ONLY_PART = /^#AWSMFA-TAB-ONLY$/m;

/**
 * `init`'s output: the integration with the completion script in it. When awsmfa ships the same
 * script, only its start-up part (the profile index and the `complete` registration) is put in, and
 * the first Tab loads the shipped file (see shells/awsmfa.bash); otherwise all of it.
 */
function combineBash(completions: string, integration: string, shipped: string | undefined): string {
  const damaged = (what: string) => new AwsmfaError(what, { hint: 'Reinstall awsmfa: its shells/ directory is damaged.' });
  if (!COMPLETION_LINE.test(integration)) throw damaged('shells/awsmfa.bash lacks its #AWSMFA-COMPLETION-SCRIPT line');
  const split = TAB_ONLY_PART.exec(completions);
  if (!split) throw damaged('the bash completion script has no #AWSMFA-TAB-ONLY line');
  const script = shipped === undefined ? completions : completions.slice(0, split.index);
  return integration.replace(COMPLETION_LINE, () => script.replace(/\n*$/, ''));
}

/**
 * `name=value` of a profile's alias in bash and zsh, as short as it can be: a start pays for every
 * character of every definition. `__awsmfa_use` is `awsmfa use`; the profile is a bare word when it
 * can be (every character of an alias name is one neither shell reads specially).
 */
export function aliasDefinition({ name, profile }: AliasEntry): string {
  return `${name}=__awsmfa_use ${/^[A-Za-z0-9_.@+:-]+$/.test(profile) ? profile : quoteSingle(profile)}`;
}

/** A word bash and zsh take as an alias name: no blank, quote, `=`, `/` or `$`, not an option. */
export function isPosixAliasName(name: string): boolean {
  return /^[A-Za-z0-9_.@+:][A-Za-z0-9_.@+:-]*$/.test(name);
}

/**
 * Words a wrapper function must not be named: the shell's keywords, and the builtins the integration
 * calls (`\builtin` and `\command` skip aliases, not functions).
 */
const BASH_RESERVED = new Set(
  'if then else elif fi case esac for select while until do done in function time coproc builtin command eval local return shift unset alias unalias printf read shopt set test declare typeset export complete compgen compopt source true false'.split(' '),
);

/** A function name that bash and zsh read as one plain word wherever it is used. */
export function isPosixFunctionName(name: string, reserved: ReadonlySet<string>): boolean {
  return /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) && !reserved.has(name);
}

/**
 * For each command, the options (`--name=kind` when a value of that kind follows) and the kinds of its
 * arguments (`...kind` for any number more), as arrays the completion function walks.
 */
function bashCompletionData(spec: CompletionSpec): string {
  const words = (items: readonly string[]) => items.map(quoteSingle).join(' ');
  const lines = [
    `__awsmfa_commands=(${words(spec.commands.map((c) => c.name))})`,
    `__awsmfa_global_options=(${words(spec.globalOptions.flatMap((o) => o.names))})`,
    `__awsmfa_shell_names=(${words(spec.shells)})`,
    '',
    '# Sets __awsmfa_spec_options and __awsmfa_spec_arguments for the command named by $1.',
    '__awsmfa_command_spec() {',
    '    case $1 in',
  ];
  for (const command of spec.commands) {
    const options = command.options.flatMap((o) => o.names.map((n) => (o.value === undefined ? n : `${n}=${o.value}`)));
    const args = [...command.positionals, ...(command.rest === undefined ? [] : [`...${command.rest}`])];
    lines.push(
      `        ${quoteSingle(command.name)})`,
      `            __awsmfa_spec_options=(${words(options)})`,
      `            __awsmfa_spec_arguments=(${words(args)})`,
      '            ;;',
    );
  }
  lines.push(
    '        *)',
    '            __awsmfa_spec_options=()',
    '            __awsmfa_spec_arguments=()',
    '            ;;',
    '    esac',
    '}',
  );
  return lines.join('\n');
}

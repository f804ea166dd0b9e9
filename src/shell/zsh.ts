import { lazyRequire } from '../platform/lazy-require.js';
import { join } from 'node:path';
import { AwsmfaError } from '../errors.js';
import { aliasDefinition, isPosixAliasName, isPosixFunctionName, posixSession, quoteSingle } from './bash.js';
import type { CompletionOption, CompletionSpec, ValueKind } from './completions.js';
import { renderChanges, type Dialect, type EnvChange } from './dialect.js';
import type { AliasEntry } from './profile-index.js';

// zsh's `export` is `typeset -gx`: global even when the code is evaluated inside a function, such
// as the integration's wrapper. zsh's `unset` only touches parameters and is quiet about missing ones.
function applyZsh(changes: readonly EnvChange[]): string {
  return renderChanges(changes, ({ name, value }) => (value === null ? `unset ${name}` : `export ${name}=${quoteSingle(value)}`));
}

export const zsh: Dialect = {
  name: 'zsh',
  // The RC_QUOTES option (`''` inside quotes is a quote) never changes how these words read: a run
  // always closes right before a `\'`, so a quoted run never holds two quotes in a row.
  quote: quoteSingle,
  apply: applyZsh,
  // A plain assignment in a function makes a global in zsh too, so the record outlives the wrapper.
  ...posixSession('unset', applyZsh),
  failure() {
    return 'false\n';
  },
  applyLine: (command) => `eval "$(${command})"`,
  integration: {
    startupFiles: (home, _configHome, env) => {
      const dotdir = env.ZDOTDIR || home;
      return { startup: [join(dotdir, '.zshrc'), join(dotdir, '.zprofile'), join(dotdir, '.zshenv')], startupDirs: [], suggestion: `add to ${join(dotdir, '.zshrc')}: eval "$(awsmfa init zsh)"` };
    },
    // zsh completes only through its completion system, which compinit starts. The integration starts it
    // at the first prompt when the startup files did not; a .zshrc that drops precmd hooks, or a zsh
    // without its function library, still leaves Tab completing file names.
    completionProbe: {
      program: 'zsh',
      args: ['-i', '-c', 'for __awsmfa_hook in $precmd_functions; do "$__awsmfa_hook"; done >/dev/null 2>&1; (( ${+_comps[awsmfa]} )) && print -r -- "awsmfa completes"'],
      fix: 'add `autoload -Uz compinit && compinit` to ~/.zshrc, before the line that loads awsmfa',
    },
    integrationFile: 'awsmfa.zsh',
    completionFile: '_awsmfa',
    isFunctionName: (name) => isPosixFunctionName(name, ZSH_RESERVED),
    completionData: zshCompletionData,
    combine: combineZsh,
  },
  index: {
    // 2: the aliases run `__awsmfa_use`.
    version: 2,
    // The index lists only profile names: the aliases are code of their own (aliasFile), which zsh compiles.
    aliasLines: () => [],
    isAliasName: isPosixAliasName,
    builtins: new Set(
      '- . : [ alias autoload bg bindkey break builtin bye cd chdir command compadd comparguments compcall compctl compdescribe compfiles compgroups compquote compset comptags comptry compvalues continue declare dirs disable disown echo echotc echoti emulate enable eval exec exit export false fc fg float functions getln getopts hash history integer jobs kill let limit local log logout noglob popd print printf private pushd pushln pwd r read readonly rehash return sched set setopt shift source suspend test times trap true ttyctl type typeset ulimit umask unalias unfunction unhash unlimit unset unsetopt vared wait whence where which zcompile zformat zle zmodload zparseopts zregexparse zstyle ! [[ case coproc do done elif else end esac fi for foreach function if nocorrect repeat select then time until while { }'.split(' '),
    ),
    aliasesShadowCommands: true,
    aliasFile: zshAliasCode,
  },
};

/**
 * node:crypto is loaded here, when an index or `init`'s output is written, not with the module: a
 * cached `env` carries every dialect and has no use for it (loading it is a tenth of that command's work).
 */
function sha256Hex(text: string): string {
  const { createHash } = lazyRequire('node:crypto') as typeof import('node:crypto');
  return createHash('sha256').update(text).digest('hex');
}

/**
 * The aliases as one `alias` command, which the integration compiles with zcompile and sources: zsh
 * then neither reads nor splits the thousands of lines of the index at a start, nor parses the code.
 * A compiled file can outlive the text it was made from (zsh loads it while it is no older than the
 * text, and this file is dated back with the index), so the code first checks the digest the shell
 * read from the text's first line and fails when they differ; the shell then compiles the text again.
 */
function zshAliasCode(aliases: readonly AliasEntry[]): string {
  const words = aliases.map((alias) => `    ${quoteSingle(aliasDefinition(alias))}`);
  const body = aliases.length === 0 ? '' : `\\builtin alias -- \\\n${words.join(' \\\n')}\n`;
  const digest = sha256Hex(body);
  return [`# ${digest}`, '# The aliases of the awsmfa profile index, made by `awsmfa shell-index`; the integration compiles this file.', `[[ \${1-} == ${digest} ]] || \\builtin return 1`, body].join('\n');
}

/** The line of shells/awsmfa.zsh that the completion script replaces. */
const COMPLETION_LINE = /^#AWSMFA-COMPLETION-SCRIPT$/m;
/** The word of shells/awsmfa.zsh that the digest of `init`'s output replaces. */
const DIGEST_WORD = /AWSMFA-DIGEST/g;

/**
 * `init`'s output: the integration with the completion script in it, led by a line with a digest of
 * that text. A file of it that a shell sources is compiled at its first start (see shells/awsmfa.zsh),
 * and zsh then loads the compiled copy instead of parsing the text; the copy checks the file's first
 * line against the digest it was made with, as zsh trusts a copy no older than its text to the second.
 */
function combineZsh(completions: string, integration: string): string {
  if (!COMPLETION_LINE.test(integration) || integration.match(DIGEST_WORD)?.length !== 1) {
    throw new AwsmfaError('shells/awsmfa.zsh lacks its #AWSMFA-COMPLETION-SCRIPT line or its one AWSMFA-DIGEST', { hint: 'Reinstall awsmfa: its shells/ directory is damaged.' });
  }
  const text = integration.replace(COMPLETION_LINE, () => completions.replace(/\n*$/, ''));
  // Made from the text with the word in it; that text is all the digest stands for.
  const digest = sha256Hex(text).slice(0, 16);
  return `# ${digest}\n${text.replace(DIGEST_WORD, digest)}`;
}

/** zsh's reserved words and the builtins the integration calls, which a wrapper must not shadow. */
const ZSH_RESERVED = new Set(
  'if then else elif fi case esac for select while until do done in function time coproc repeat foreach end nocorrect noglob builtin command eval local return shift unset alias unalias emulate zmodload typeset declare export compdef autoload setopt unsetopt print printf read true false'.split(' '),
);

/** Text for inside an _arguments `[description]`, where a backslash or `]` needs a backslash before it. */
function argumentsDescription(text: string): string {
  return text.replace(/[\\\]]/g, (c) => `\\${c}`);
}

/** `name:description` for _describe, where a colon in the name needs a backslash. */
function describeEntry(name: string, description: string): string {
  return quoteSingle(`${name.replaceAll(':', '\\:')}:${description}`);
}

function valueAction(kind: ValueKind, positional: boolean): string {
  switch (kind) {
    case 'profile':
      return ':profile:__awsmfa_complete_profiles';
    case 'shell':
      return ':shell:__awsmfa_complete_shells';
    case 'command':
      return ':command:_command_names -e';
    case 'any':
      // An option's value (a code, a duration) has nothing to offer; an argument may well be a file.
      return positional ? ':argument:_files' : ':value: ';
  }
}

/** _arguments specs of one option, one per name, each excluding all the option's names. */
function optionSpecs(option: CompletionOption): string[] {
  const exclusions = `(${option.names.join(' ')})`;
  const description = `[${argumentsDescription(option.description)}]`;
  return option.names.map((name) => {
    if (option.value === undefined) return `${exclusions}${name}${description}`;
    // `--name=` takes the value after `=` or as the next word; `-c+` in the same word or the next.
    const form = name.startsWith('--') ? `${name}=` : `${name}+`;
    return `${exclusions}${form}${description}${valueAction(option.value, false)}`;
  });
}

function zshCompletionData(spec: CompletionSpec): string {
  const lines = [
    'typeset -ga __awsmfa_commands __awsmfa_global_options __awsmfa_shell_names',
    '__awsmfa_commands=(',
    ...spec.commands.map((c) => `    ${describeEntry(c.name, c.description)}`),
    ')',
    '__awsmfa_global_options=(',
    ...spec.globalOptions.flatMap((o) => o.names.map((n) => `    ${describeEntry(n, o.description)}`)),
    ')',
    `__awsmfa_shell_names=(${spec.shells.map(quoteSingle).join(' ')})`,
    '',
    '# Sets the _arguments specs (in the caller\'s `specs`) of the command named by $1.',
    '__awsmfa_arguments() {',
    '    case $1 in',
  ];
  for (const command of spec.commands) {
    const specs = [
      ...command.options.flatMap(optionSpecs),
      ...command.positionals.map((kind, i) => `${i + 1}${valueAction(kind, true)}`),
      ...(command.rest === undefined ? [] : [`*${valueAction(command.rest, true)}`]),
    ];
    lines.push(`        (${quoteSingle(command.name)})`, '            specs=(', ...specs.map((s) => `                ${quoteSingle(s)}`), '            )', '            ;;');
  }
  lines.push('        (*) specs=() ;;', '    esac', '}');
  return lines.join('\n');
}

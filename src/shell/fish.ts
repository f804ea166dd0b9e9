import { join } from 'node:path';
import { valuedOptionNames, type CompletionOption, type CompletionSpec, type ValueKind } from './completions.js';
import { checkRecordNames, checkShellWord, recordOf, RECORD_MARK, renderChanges, type Dialect } from './dialect.js';

/** Inside fish's single quotes `\\` and `\'` are escapes (any other backslash is literal). */
export function quoteFish(value: string): string {
  checkShellWord(value);
  return `'${value.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

const indent = (code: string, depth = 1) => code.replace(/^(?=.)/gm, ' '.repeat(4 * depth));
/** The recorded value back into the environment, or the variable removed if it was not set. */
const putBack = (name: string) =>
  `if set -q ${recordOf(name)}; set -gx ${name} $${recordOf(name)}; else if set -qg ${name}; set -eg ${name}; end`;

export const fish: Dialect = {
  name: 'fish',
  quote: quoteFish,
  apply(changes) {
    // Global scope on purpose: the code may be sourced inside a function (the integration's wrapper),
    // and a universal variable must not be erased for every session on the machine. `set -e` of a
    // missing variable returns 4, so the `if` only erases what exists.
    const statements = renderChanges(changes, ({ name, value }) =>
      value === null ? `if set -qg ${name}; set -eg ${name}; end` : `set -gx ${name} ${quoteFish(value)}`,
    );
    // `set` passes the previous status through instead of setting 0, and `source` of code that runs
    // nothing keeps the caller's status too: only an explicit `true` makes the status 0.
    return `${statements}true\n`;
  },
  // One `if … end` each: bash and zsh read it as an `if` that never gets its `then` and refuse it
  // whole, PowerShell an `if` without parentheses. `set -g` without -x: the record stays in this shell.
  enter(saved, changes) {
    checkRecordNames(saved);
    return [
      'if true\n',
      `    if not set -q ${RECORD_MARK}\n`,
      `        set -g ${RECORD_MARK} 1\n`,
      ...saved.map((name) => `        if set -q ${name}; set -g ${recordOf(name)} $${name}; else if set -qg ${recordOf(name)}; set -eg ${recordOf(name)}; end\n`),
      '    end\n',
      ...saved.map((name) => `    ${putBack(name)}\n`),
      fish.apply(changes),
      'end\n',
    ].join('');
  },
  leave(saved, otherwise, always) {
    checkRecordNames(saved);
    return [
      'if true\n',
      `    if set -q ${RECORD_MARK}\n`,
      ...saved.map((name) => `        ${putBack(name)}; if set -qg ${recordOf(name)}; set -eg ${recordOf(name)}; end\n`),
      `        set -eg ${RECORD_MARK}\n`,
      '    else\n',
      indent(fish.apply(otherwise), 2),
      '    end\n',
      indent(fish.apply(always)),
      'end\n',
    ].join('');
  },
  failure() {
    return 'false\n';
  },
  applyLine: (command) => `${command} | source`,
  integration: {
    startupFiles: (_home, configHome) => ({
      startup: [join(configHome, 'fish', 'config.fish')],
      startupDirs: [join(configHome, 'fish', 'conf.d')],
      suggestion: `add to ${join(configHome, 'fish', 'config.fish')}: awsmfa init fish | source`,
    }),
    integrationFile: 'awsmfa.fish',
    completionFile: 'awsmfa.fish',
    isFunctionName: (name) => /^[A-Za-z_][A-Za-z0-9_-]*$/.test(name) && !FISH_RESERVED.has(name),
    completionData: fishCompletionData,
  },
  index: {
    version: 1,
    // fish loads an alias's function from its file the first time the name is used: a shell start
    // defines none of them, however many there are. The index lists only profile names.
    aliasLines: () => [],
    isAliasName: (name) => /^[A-Za-z0-9_.@+:][A-Za-z0-9_.@+:-]*$/.test(name) && !FISH_RESERVED.has(name),
    builtins: new Set(
      '. : [ _ abbr and argparse begin bg bind block break breakpoint builtin case cd command commandline complete contains continue count disown echo else emit end eval exec exit false fg for function functions history if jobs math not or path printf pwd random read realpath return set set_color source status string switch test time true type ulimit wait while'.split(' '),
    ),
    aliasesShadowCommands: true,
    functionFile: ({ name, profile }) => ({
      file: `${name}.fish`,
      text: `function ${name} --description ${quoteFish(`awsmfa use ${profile}`)}\n    __awsmfa_main use ${quoteFish(profile)} $argv\nend\n`,
    }),
  },
};

/** fish's keywords and the builtins the integration calls, which a wrapper function must not shadow. */
const FISH_RESERVED = new Set(
  'and or not begin end if else while for in switch case function return break continue builtin command exec set test string math contains commandline complete functions source status printf read count true false'.split(' '),
);

/**
 * A word of the generated completion script as fish_indent writes it: bare when it holds only
 * characters fish_indent leaves unquoted, so that the committed file is already indented.
 */
function fishWord(text: string): string {
  return /^[A-Za-z0-9_/-]+$/.test(text) ? text : quoteFish(text);
}

/** `-l name`, `-s c` or `-o old` for one option name. */
function optionFlag(name: string): string {
  if (name.startsWith('--')) return `-l ${fishWord(name.slice(2))}`;
  return name.length === 2 ? `-s ${fishWord(name.slice(1))}` : `-o ${fishWord(name.slice(1))}`;
}

/** What `complete` offers for a value: candidates (-a) and whether file names are wanted (-F). */
function valueCandidates(kind: ValueKind, spec: CompletionSpec): string {
  switch (kind) {
    case 'profile':
      // __awsmfa_offer_profiles (in the condition) fills the list.
      return "-a '$__awsmfa_index_profiles'";
    case 'shell':
      return `-a ${quoteFish(spec.shells.join(' '))}`;
    case 'command':
      return "-a '(__fish_complete_command)'";
    case 'any':
      return '-F';
  }
}

/**
 * The condition of an entry offering values of `kind`: profile names are prepared by a function that
 * always succeeds, run after the entry's own test (fish expands the candidates after the condition).
 */
function conditionFor(condition: string, kind: ValueKind | undefined): string {
  return kind === 'profile' ? `${condition}; and __awsmfa_offer_profiles` : condition;
}

function optionLine(using: string, option: CompletionOption, spec: CompletionSpec): string {
  const condition = conditionFor(using, option.value);
  const flags = option.names.map(optionFlag).join(' ');
  // -x: the option needs a value; an option value of no particular kind offers nothing (not files).
  const value = option.value === undefined ? '' : option.value === 'any' ? ' -x' : ` -x ${valueCandidates(option.value, spec)}`;
  return `complete -c awsmfa -n ${fishWord(condition)} ${flags}${value} -d ${fishWord(option.description)}`;
}

function fishCompletionData(spec: CompletionSpec): string {
  const lines = [
    '# Whether option $option of command $command takes a value.',
    'function __awsmfa_takes_value --argument-names command option',
    '    switch "$command $option"',
  ];
  const valued = spec.commands.flatMap((c) => valuedOptionNames(c).map((name) => quoteFish(`${c.name} ${name}`)));
  if (valued.length > 0) lines.push(`        case ${valued.join(' ')}`, '            return 0');
  lines.push('    end', '    return 1', 'end', '', '# How many arguments command $command takes before any number more.');
  lines.push('function __awsmfa_fixed_arguments --argument-names command', '    switch $command');
  for (const command of spec.commands) {
    lines.push(`        case ${fishWord(command.name)}`, `            echo ${command.positionals.length}`);
  }
  lines.push("        case '*'", '            echo 0', '    end', 'end', '');
  for (const command of spec.commands) {
    lines.push(`complete -c awsmfa -n __awsmfa_needs_command -a ${fishWord(command.name)} -d ${fishWord(command.description)}`);
  }
  for (const option of spec.globalOptions) lines.push(optionLine('__awsmfa_needs_command', option, spec));
  // One entry for each argument position and kind, whatever the commands that take it: fish runs the
  // condition of every entry on each Tab, and one condition for the profile argument of eight commands
  // costs an eighth of eight.
  const positions = new Map<string, { index: string; kind: ValueKind; commands: string[] }>();
  const position = (command: string, index: string, kind: ValueKind) => {
    const key = `${index} ${kind}`;
    const entry = positions.get(key) ?? { index, kind, commands: [] };
    entry.commands.push(command);
    positions.set(key, entry);
  };
  for (const command of spec.commands) {
    const using = `__awsmfa_using ${command.name}`;
    for (const option of command.options) lines.push(optionLine(using, option, spec));
    command.positionals.forEach((kind, i) => position(command.name, String(i + 1), kind));
    if (command.rest !== undefined) position(command.name, 'rest', command.rest);
  }
  for (const { index, kind, commands } of positions.values()) {
    lines.push(`complete -c awsmfa -n ${quoteFish(conditionFor(`__awsmfa_argument ${index} ${commands.join(' ')}`, kind))} ${valueCandidates(kind, spec)}`);
  }
  return lines.join('\n');
}

/**
 * Completions asked for in the real shells, with `awsmfa init` loaded as a user loads it: bash and zsh
 * interactive in a pseudo-terminal (tmux), where Tab goes through readline / ZLE and their own word
 * splitting; fish through `complete -C`; PowerShell through TabExpansion2 in the engine. Every shell is
 * asked the same questions, derived from the command definitions: the commands, the global flags,
 * every command's flags, the values of every option that takes a shell or a profile (as the next word
 * and after `=`), and the profile or shell arguments. The config holds profile names with every
 * character the AWS SDK allows in one (`:`, `@`, `%`, `+`, `/`, `.`), and a unique match must be put
 * on the command line so that the shell reads it back as that name.
 */
import assert from 'node:assert/strict';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { allDefinitions } from '../src/commands/definitions.js';
import { completionSpec, type ValueKind } from '../src/shell/completions.js';
import { SHELL_NAMES, type ShellName } from '../src/shell/index.js';
import { quotePwsh } from '../src/shell/pwsh.js';
import { createWorld, DEFAULT_CONFIG, type World } from './helpers/fixture.js';
import { initFile, requireTmux, sdkProfiles } from './helpers/integration.js';
import { PWSH_UNAVAILABLE, pwshAvailable, runPwsh } from './helpers/pwsh.js';
import { requireShell, runShell } from './helpers/shells.js';
import { TmuxSession } from './helpers/tmux.js';

const spec = completionSpec(await allDefinitions(), SHELL_NAMES);

/** Profile names with each character the AWS SDK accepts in a name besides letters, digits, `_` and `-`. */
const ODD_PROFILES = ['dot.ted', 'a/b', 'with:colon', 'x:y:z', 'plus+x', 'at@x', '@lead', 'pct%x', '100%', 'Upper_Case-9'];

function oddConfig(mfaSerial: string): string {
  return ODD_PROFILES.map((name) => `[profile ${name}]\nmfa_serial = ${mfaSerial}\n`).join('');
}

interface Ask {
  /** What the user typed before pressing Tab. */
  readonly line: string;
  /** Every candidate, each as the word it completes to (`--shell=bash` counts as `bash` after `--shell=`). */
  readonly expected: readonly string[];
}

/** The questions every shell is asked, and their answers, from the command definitions. */
function asks(profiles: readonly string[]): Ask[] {
  const values = (kind: ValueKind | undefined): readonly string[] | undefined =>
    kind === 'profile' ? profiles : kind === 'shell' ? spec.shells : undefined;
  const list: Ask[] = [
    { line: 'awsmfa ', expected: spec.commands.map((c) => c.name) },
    { line: 'awsmfa -', expected: spec.globalOptions.flatMap((o) => o.names) },
  ];
  for (const command of spec.commands) {
    list.push({ line: `awsmfa ${command.name} -`, expected: command.options.flatMap((o) => o.names) });
    const first = values(command.positionals[0]);
    if (first !== undefined) list.push({ line: `awsmfa ${command.name} `, expected: first });
    for (const option of command.options) {
      const offered = values(option.value);
      if (offered === undefined) continue;
      // After the profile argument, where there is one, as a user would type it.
      const before = command.positionals[0] === 'profile' ? `awsmfa ${command.name} doug` : `awsmfa ${command.name}`;
      for (const name of option.names) {
        list.push({ line: `${before} ${name} `, expected: offered });
        if (name.startsWith('--')) list.push({ line: `${before} ${name}=`, expected: offered });
      }
    }
  }
  return list;
}

/** What a unique match must leave on the line: typed → completed. */
const INSERTIONS: ReadonlyArray<readonly [typed: string, completed: string]> = [
  ['awsmfa use with:', 'awsmfa use with:colon'],
  ['awsmfa use with:co', 'awsmfa use with:colon'],
  ['awsmfa use x:y', 'awsmfa use x:y:z'],
  ['awsmfa use x:y:', 'awsmfa use x:y:z'],
  ['awsmfa use @l', 'awsmfa use @lead'],
  ['awsmfa use pct', 'awsmfa use pct%x'],
  ['awsmfa use 10', 'awsmfa use 100%'],
  ['awsmfa use dot', 'awsmfa use dot.ted'],
  ['awsmfa use a/', 'awsmfa use a/b'],
  ['awsmfa use plus', 'awsmfa use plus+x'],
  ['awsmfa use Up', 'awsmfa use Upper_Case-9'],
  ['awsmfa login doug --to-profile=with:', 'awsmfa login doug --to-profile=with:colon'],
  ['awsmfa login doug --to-profile x:y:', 'awsmfa login doug --to-profile x:y:z'],
  ['awsmfa env doug --shell=z', 'awsmfa env doug --shell=zsh'],
];

/** The candidates as the words they complete to: sorted, without the `--option=` a shell repeats. */
function normalize(line: string, candidates: readonly string[]): string[] {
  const equals = /(--[\w-]+=)$/.exec(line)?.[1];
  const words = candidates.map((c) => (equals !== undefined && c.startsWith(equals) ? c.slice(equals.length) : c));
  return [...new Set(words.filter((w) => w !== ''))].sort();
}

function assertAnswers(shell: string, answers: ReadonlyMap<string, readonly string[]>, questions: readonly Ask[]): void {
  const wrong = questions
    .map((ask) => ({ ask, got: normalize(ask.line, answers.get(ask.line) ?? []) }))
    .filter(({ ask, got }) => JSON.stringify(got) !== JSON.stringify([...ask.expected].sort()));
  assert.deepEqual(
    wrong.map(({ ask, got }) => `${JSON.stringify(ask.line)}: ${JSON.stringify(got)}`),
    [],
    `${shell}: ${wrong.length} of ${questions.length} questions answered wrongly; expected:\n` +
      wrong.map(({ ask }) => `${JSON.stringify(ask.line)}: ${JSON.stringify([...ask.expected].sort())}`).join('\n'),
  );
}

interface Setup {
  readonly world: World;
  readonly profiles: string[];
  readonly init: string;
}

async function setUp(t: TestContext, shell: ShellName): Promise<Setup> {
  const world = await createWorld({ config: (user) => `${DEFAULT_CONFIG(user)}${oddConfig(user.mfaSerial!)}` });
  t.after(() => world.close());
  const { all } = await sdkProfiles(world.configPath, world.credentialsPath);
  for (const name of ODD_PROFILES) assert.ok(all.includes(name), `the AWS SDK reads the profile ${name}`);
  return { world, profiles: all, init: await initFile(shell, world.env, world.home) };
}

/**
 * An interactive bash or zsh in tmux whose completion reports what it offered: each Tab appends the
 * candidates to a file, then `--end--`. bash's are COMPREPLY after __awsmfa_complete (called by
 * readline through the `complete` registration of the init, with the same options); zsh's are what compadd was given to add
 * (calls that only filter, with -O, -A or -D, are passed through).
 */
class PtyCompletion {
  private constructor(
    private readonly term: TmuxSession,
    private readonly captured: string,
  ) {}

  static async start(t: TestContext, shell: 'bash' | 'zsh', setup: Setup): Promise<PtyCompletion> {
    const captured = join(setup.world.home, 'captured');
    const script = join(setup.world.home, `capture.${shell}`);
    const lines =
      shell === 'bash'
        ? [
            "PS1='ready> '",
            `source '${setup.init}'`,
            "bind 'set bell-style none'; bind 'set completion-query-items 10000'",
            // The registration is wrapped, not the function: until the first Tab __awsmfa_complete is the
            // small completer that loads the real one in its own place.
            `__capture_tab() { __awsmfa_complete "$@"; { printf '%s\\n' "\${COMPREPLY[@]}"; echo --end--; } >>'${captured}'; }`,
            `__capture_spec=$(complete -p awsmfa); eval "\${__capture_spec/-F __awsmfa_complete /-F __capture_tab }"`,
          ]
        : [
            "PROMPT='ready> '",
            'LISTMAX=10000',
            'autoload -Uz compinit && compinit -u -D',
            `source '${setup.init}'`,
            'compadd() {',
            '    local arg',
            '    for arg in "$@"; do',
            '        [[ $arg == (-|--) ]] && break',
            '        if [[ $arg == -[^-]#[OAD]* ]]; then builtin compadd "$@"; return; fi',
            '    done',
            '    local -a __capture_matches',
            '    builtin compadd -O __capture_matches "$@"',
            `    (( $#__capture_matches )) && print -rl -- $__capture_matches >>| '${captured}'`,
            '    builtin compadd "$@"',
            '}',
            // Tab is still Tab (expand-or-complete); the widget around it only marks the end.
            `__capture_tab() { zle expand-or-complete; print -r -- --end-- >>| '${captured}' }`,
            'zle -N __capture_tab',
            "bindkey '^I' __capture_tab",
          ];
    await writeFile(script, `${lines.join('\n')}\n`);
    // NO_COLOR would not change completion; the prompt stays plain either way.
    const argv = shell === 'bash' ? ['bash', '--norc', '--noprofile', '-i'] : ['zsh', '-f', '-i'];
    const term = await TmuxSession.start(argv, { env: setup.world.env, cwd: setup.world.home, width: 250 });
    t.after(() => term.close());
    await term.type(`source '${script}'`, 'Enter');
    await term.waitFor(/^ready>\s*$/m);
    return new PtyCompletion(term, captured);
  }

  /** Types the line, presses Tab, and returns what the shell offered; the line is cleared after. */
  async candidates(line: string): Promise<string[]> {
    await rm(this.captured, { force: true });
    await this.term.type(line, 'Tab');
    const deadline = Date.now() + 10_000;
    let text = '';
    while (!(text = await readFile(this.captured, 'utf8').catch(() => '')).includes('--end--\n')) {
      if (Date.now() > deadline) throw new Error(`no completion for ${JSON.stringify(line)}; the terminal shows:\n${await this.term.screen()}`);
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    await this.clear();
    return text.split('\n').filter((l) => l !== '' && l !== '--end--');
  }

  /** Types the line, presses Tab, and waits for the line being edited to read `completed` (and a space). */
  async inserts(typed: string, completed: string): Promise<void> {
    await this.term.type(typed, 'Tab');
    // The last line shown is the one being edited; earlier ones are history, maybe the same text.
    const editing = (screen: string) => screen.trimEnd().split('\n').pop()?.trimEnd();
    await this.term.waitFor((screen) => editing(screen) === `ready> ${completed}`, { timeoutMs: 5_000 }).catch(async () => {
      const screen = (await this.term.screen()).trimEnd().split('\n').slice(-3).join('\n');
      assert.fail(`${JSON.stringify(typed)} + Tab should read ${JSON.stringify(completed)}; the terminal ends with:\n${screen}`);
    });
    await this.clear();
  }

  private async clear(): Promise<void> {
    await this.term.type('', 'C-e', 'C-u', 'C-l');
    await this.term.waitFor((screen) => screen.trimEnd().split('\n').pop()?.trimEnd() === 'ready>');
  }
}

describe('completions asked in the real shells', { concurrency: true }, () => {
  for (const shell of ['bash', 'zsh'] as const) {
    test(`${shell}: Tab in a terminal offers every command, flag, shell name and profile, and completes odd profile names whole`, async (t) => {
      if (!(await requireShell(t, shell)) || !(await requireTmux(t))) return;
      const setup = await setUp(t, shell);
      const pty = await PtyCompletion.start(t, shell, setup);
      const questions = asks(setup.profiles);
      const answers = new Map<string, string[]>();
      for (const ask of questions) answers.set(ask.line, await pty.candidates(ask.line));
      assertAnswers(shell, answers, questions);
      for (const [typed, completed] of INSERTIONS) await pty.inserts(typed, completed);
      t.diagnostic(`${shell}: ${questions.length} questions and ${INSERTIONS.length} unique completions`);
    });
  }

  test('fish: complete -C offers every command, flag, shell name and profile, odd profile names whole', async (t) => {
    if (!(await requireShell(t, 'fish'))) return;
    const setup = await setUp(t, 'fish');
    const questions = asks(setup.profiles);
    // One fish for all the questions: each answer is its candidates (description cut off) and a mark.
    const all = [...questions.map((q) => q.line), ...INSERTIONS.map(([typed]) => typed)];
    const script = [
      `source '${setup.init}'`,
      ...all.map((line) => `complete -C ${quoteFishWord(line)} | string replace -r '\\t.*' ''; echo --end--`),
      '',
    ].join('\n');
    const run = await runShell('fish', script, { env: setup.world.env });
    assert.equal(run.stderr, '');
    const blocks = run.stdout.split('--end--\n').map((block) => block.split('\n').filter(Boolean));
    assert.equal(blocks.length, all.length + 1);
    assertAnswers('fish', new Map(all.map((line, i) => [line, blocks[i]!])), questions);
    // fish offers the whole last token; a unique one is what Tab puts there.
    INSERTIONS.forEach(([typed, completed], i) => {
      const offered = blocks[questions.length + i]!;
      const token = typed.slice(typed.lastIndexOf(' ') + 1);
      assert.deepEqual(offered.map((c) => typed.slice(0, typed.length - token.length) + c), [completed], typed);
    });
    t.diagnostic(`fish: ${questions.length} questions and ${INSERTIONS.length} unique completions`);
  });

  test('pwsh: TabExpansion2 offers every command, flag, shell name and profile, and each completion reads back as that word', async (t) => {
    if (!(await pwshAvailable())) {
      t.skip(PWSH_UNAVAILABLE);
      return;
    }
    const setup = await setUp(t, 'pwsh');
    const questions = asks(setup.profiles);
    // A bare `@lead` is a splat in PowerShell, and Tab after `@l` completes variable names: there a
    // user starts the word with a quote.
    const insertions = INSERTIONS.map(([typed, completed]) => [typed.replace(/ @/, " '@"), completed] as const);
    const all = [...questions.map((q) => q.line), ...insertions.map(([typed]) => typed)];
    // Each completion is put into the line where TabExpansion2 says, and the line is parsed as
    // PowerShell would run it: the argument at the cursor is what the completion means, after the
    // parser's own reading of `@`, quotes and the rest.
    const script = [
      `. ${quotePwsh(setup.init)}`,
      'function global:__probe { $args[$args.Count - 1] }',
      `foreach ($line in @(${all.map(quotePwsh).join(', ')})) {`,
      '  $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length',
      '  foreach ($match in $completion.CompletionMatches) {',
      '    $completed = $line.Substring(0, $completion.ReplacementIndex) + $match.CompletionText + $line.Substring($completion.ReplacementIndex + $completion.ReplacementLength)',
      "    $probe = '__probe' + $completed.Substring($completed.IndexOf(' '))",
      "    $word = try { & ([scriptblock]::Create($probe)) } catch { '<' + $_.Exception.Message.Split([char]10)[0] + '>' }",
      "    $line + [char]9 + $completed + [char]9 + $word",
      '  }',
      "  $line + [char]9 + '--end--'",
      '}',
    ].join('\n');
    const result = await runPwsh(script, { env: setup.world.env });
    assert.deepEqual(result.errors, [], result.errorDetails.join('\n'));
    const offered = new Map<string, { completed: string; word: string }[]>(all.map((line) => [line, []]));
    const ended = new Set<string>();
    for (const entry of result.output) {
      const [line, completed, word] = entry.split('\t');
      if (completed === '--end--') ended.add(line!);
      else offered.get(line!)?.push({ completed: completed!, word: word ?? '' });
    }
    assert.equal(ended.size, new Set(all).size, 'every line was asked');
    // The words as PowerShell reads them: `--shell=bash` is one word, normalized like the others.
    assertAnswers('pwsh', new Map([...offered].map(([line, list]) => [line, list.map((o) => o.word)])), questions);
    for (const [typed, completed] of insertions) {
      const list = offered.get(typed) ?? [];
      const word = completed.slice(completed.lastIndexOf(' ') + 1);
      assert.deepEqual(list.map((o) => o.word), [word], `${typed}: ${JSON.stringify(list)}`);
    }
    t.diagnostic(`pwsh: ${questions.length} questions and ${INSERTIONS.length} unique completions`);
  });
});

/** A fish single-quoted word (the dialect's quoting, which the quoting tests check). */
function quoteFishWord(text: string): string {
  return `'${text.replace(/[\\']/g, (c) => `\\${c}`)}'`;
}

/**
 * What a new user meets first: help, mistakes on the command line, a missing profile, the code prompt,
 * durations and --force with a cached session, and output typed without eval. Everything through the
 * built CLI, the real shells and, where a terminal matters, a real one (tmux).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { awsmfa, createWorld } from './helpers/fixture.js';
import { initFile, requireTmux } from './helpers/integration.js';
import { requireShell, runShell } from './helpers/shells.js';
import { TmuxSession } from './helpers/tmux.js';

test('help: `awsmfa help [command]`, value names, stdout when asked for, and nothing an eval could run', async (t) => {
  const world = await createWorld();
  t.after(() => world.close());
  const env = world.env;

  const general = await awsmfa(['help'], { env });
  assert.equal(general.code, 0, general.stderr);
  assert.match(general.stdout, /awsmfa status /, 'the list of commands, on stdout (a pipe here)');
  assert.equal(general.stderr, '');

  const list = await awsmfa(['list', '--help'], { env });
  assert.equal(list.code, 0);
  assert.match(list.stdout, /\$ awsmfa list/, '`awsmfa list --help | grep` finds something');
  const helpList = await awsmfa(['help', 'list'], { env });
  assert.equal(helpList.stdout, list.stdout, '`awsmfa help list` is `awsmfa list --help`');

  // Shell code commands: help asked for with stdout captured goes to stderr, and stdout stays empty.
  const envHelp = await awsmfa(['env', '--help'], { env });
  assert.equal(envHelp.code, 0);
  assert.equal(envHelp.stdout, '', 'nothing for an eval');
  assert.match(envHelp.stderr, /--shell SHELL +The shell/);
  assert.match(envHelp.stderr, /--token-code,-c CODE +The six-digit/);
  assert.match(envHelp.stderr, /--duration,-d SECONDS +Session length/);
  assert.doesNotMatch(envHelp.stderr + general.stdout, /#0/, 'values are named, never #0');

  if (!(await requireShell(t, 'bash'))) return;
  // The help text holds `eval "$(awsmfa env doug)"` as an example: an eval of it must not run that.
  const init = await initFile('bash', env, world.home);
  const run = await runShell('bash', [
    'eval "$(awsmfa env --help)"; echo "env-help=$? key=${AWS_ACCESS_KEY_ID-unset}"',
    `source '${init}'`,
    'awsmfa use --help; echo "use-help=$? key=${AWS_ACCESS_KEY_ID-unset}"',
  ].join('\n'), { env });
  assert.match(run.stdout, /^env-help=0 key=unset$/m, run.stderr);
  assert.match(run.stdout, /^use-help=0 key=unset$/m, run.stderr);
  assert.equal(world.count('GetSessionToken'), 0, 'no STS call was made from the help text');
  const useHelp = run.stderr.slice(run.stderr.lastIndexOf('Start an MFA session in this shell'));
  assert.match(useHelp, /^Start an MFA session in this shell/, '`awsmfa use --help` is the help of use, not of env');
  assert.match(useHelp, /\$ awsmfa use \[profile\]/);
});

test('help asked for in a terminal is shown on stdout, for env too', async (t) => {
  if (!(await requireTmux(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const session = await TmuxSession.start(['sh', '-c', `awsmfa env --help 2>/dev/null; echo "status=$?"; sleep 60`], { env: world.env, cwd: world.home });
  t.after(() => session.close());
  const screen = await session.waitFor(/status=\d/);
  assert.match(screen, /--duration,-d SECONDS/);
  assert.match(screen, /status=0/);
});

test('usage errors: one line naming the wrong word and the nearest right one, in the words typed, then the short usage', async (t) => {
  const world = await createWorld();
  t.after(() => world.close());
  const env = world.env;

  const typo = await awsmfa(['stauts'], { env });
  assert.equal(typo.code, 1);
  assert.equal(typo.stdout, '');
  assert.deepEqual(typo.stderr.trimEnd().split('\n'), [
    'awsmfa: error: unknown command "stauts"; did you mean status?',
    '  Run `awsmfa --help` to see every command, and `awsmfa help <command>` for one of them.',
  ]);

  const flag = await awsmfa(['env', 'doug', '--durration', '900'], { env });
  assert.equal(flag.code, 1);
  assert.equal(flag.stdout, 'false\n', 'the eval still fails');
  const lines = flag.stderr.trimEnd().split('\n');
  assert.equal(lines.length, 2, flag.stderr);
  assert.equal(lines[0], 'awsmfa: error: unknown option "--durration" for `awsmfa env`; did you mean --duration?');
  assert.match(lines[1]!, /^ {2}usage: awsmfa env \[--shell SHELL\] \[--token-code,-c CODE\] \[--duration,-d SECONDS\] \[--force,-f\] \[profile\]/);

  const help = await awsmfa(['help', 'stauts'], { env });
  assert.match(help.stderr, /unknown command "stauts"; did you mean status\?/);

  if (!(await requireShell(t, 'bash'))) return;
  // Through the integration: the user typed `use`, and the wrapper's own `--shell bash` is never quoted back.
  const init = await initFile('bash', env, world.home);
  const run = await runShell('bash', `source '${init}'\nawsmfa use doug --durration 900; echo "status=$?"`, { env });
  assert.match(run.stdout, /^status=1$/m);
  const errors = run.stderr.trimEnd().split('\n');
  assert.equal(errors.length, 2, run.stderr);
  assert.equal(errors[0], 'awsmfa: error: unknown option "--durration" for `awsmfa use`; did you mean --duration?');
  assert.doesNotMatch(run.stderr, /While running|--shell bash|Unknown Syntax/);
  assert.equal(world.count('GetSessionToken'), 0);
});

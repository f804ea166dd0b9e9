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
import { converse, requireScript } from './helpers/terminal.js';
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
  assert.match(lines[1]!, /^ {2}usage: awsmfa env \[--shell SHELL\] \[--token-code,-c CODE\] \[--duration,-d SECONDS\] \[--force,-f\] \[--force-mfa\] \[profile\]/);

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

test('`env` with no profile named says that a profile is expected, and lists the ones there are', async (t) => {
  const world = await createWorld();
  t.after(() => world.close());
  // The test config has a [default] with a region only: nothing to get a session for.
  const run = await awsmfa(['env'], { env: world.env });
  assert.equal(run.code, 1);
  assert.equal(run.stdout, 'false\n');
  assert.deepEqual(run.stderr.trimEnd().split('\n'), [
    'awsmfa: error: `awsmfa env` needs a profile: `awsmfa env PROFILE`',
    `  Profiles with MFA or a role in ${world.configPath}: admin, audit, doug.`,
  ]);
  // A profile from the environment is still taken, as before.
  const fromEnv = await awsmfa(['env', '--token-code', world.code()], { env: { ...world.env, AWS_PROFILE: 'doug' } });
  assert.equal(fromEnv.code, 0, fromEnv.stderr);
});

test('--duration is checked with a cached session too, and a cached session of another length is said to be one', async (t) => {
  const world = await createWorld();
  t.after(() => world.close());
  const first = await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env });
  assert.equal(first.code, 0, first.stderr);

  const tooShort = await awsmfa(['env', 'doug', '--duration', '60'], { env: world.env });
  assert.equal(tooShort.code, 1, 'the 12-hour session is not handed out for an impossible request');
  assert.equal(tooShort.stdout, 'false\n');
  assert.match(tooShort.stderr, /the duration 60 s from --duration is outside what GetSessionToken allows \(900 to 129600 s\)/);

  const shorter = await awsmfa(['env', 'doug', '--duration', '3600'], { env: world.env });
  assert.equal(shorter.code, 0, shorter.stderr);
  assert.match(shorter.stdout, /AWS_SECRET_ACCESS_KEY/);
  assert.match(shorter.stderr, /doug: using the cached session of 12h \((?:12h|11h 59m) left\), not a new one of 1h as --duration asked; add --force for that/);
  const same = await awsmfa(['env', 'doug', '--duration', '43200'], { env: world.env });
  assert.doesNotMatch(same.stderr, /using the cached session of/, 'nothing to say when the lengths agree');
  assert.equal(world.count('GetSessionToken'), 1);
});

test('--force on a role renews the role and keeps the MFA session (no code); --force-mfa renews both', async (t) => {
  const world = await createWorld();
  t.after(() => world.close());
  const first = await awsmfa(['env', 'admin', '--token-code', world.code()], { env: world.env });
  assert.equal(first.code, 0, first.stderr);
  assert.equal(world.count('GetSessionToken'), 1);
  assert.equal(world.count('AssumeRole'), 1);

  // No --token-code and no terminal: a run that needed a code would fail here.
  const forced = await awsmfa(['env', 'admin', '--force'], { env: world.env });
  assert.equal(forced.code, 0, forced.stderr);
  assert.equal(world.count('GetSessionToken'), 1, 'the MFA session was kept');
  assert.equal(world.count('AssumeRole'), 2, 'the role session was renewed');
  assert.match(forced.stderr, /admin: a new role session from the MFA session of \[doug\], which has (?:12h|11h 59m) left \(no code needed\); --force-mfa renews that too/);
  const key = (output: string) => /AWS_ACCESS_KEY_ID='([^']+)'/.exec(output)?.[1];
  assert.notEqual(key(forced.stdout), key(first.stdout));

  const both = await awsmfa(['env', 'admin', '--force-mfa', '--token-code', world.code()], { env: world.env });
  assert.equal(both.code, 0, both.stderr);
  assert.equal(world.count('GetSessionToken'), 2);
  assert.equal(world.count('AssumeRole'), 3);
});

test('an empty Enter at the code prompt asks again, a few times, as ssh does', async (t) => {
  if (!(await requireScript(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const question = 'MFA code for arn:aws:iam::123456789012:mfa/doug: ';
  const code = world.code();
  const run = await converse(world.env, ['env', 'doug'], [
    { question, keys: '\r' },
    { question, keys: '   \r' },
    { question, keys: `${code}\r` },
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr.split(question).length - 1, 3, 'asked three times');
  assert.match(run.stdout, /AWS_SESSION_TOKEN/);

  // Three empty answers: then it stops, saying why, and nothing was sent.
  const given = await converse(world.env, ['env', 'doug', '--force'], [
    { question, keys: '\r' },
    { question, keys: '\r' },
    { question, keys: '\r' },
  ]);
  assert.equal(given.status, 1);
  assert.match(given.stderr, /the MFA code from the terminal is empty; it must be exactly six digits/);
  assert.equal(world.count('GetSessionToken'), 1);
});

test('`awsmfa env` with stdout on a terminal shows how to apply it, never the keys', async (t) => {
  if (!(await requireTmux(t))) return;
  const world = await createWorld();
  t.after(() => world.close());
  // A cached session, so that a run that printed it would need no code.
  const cached = await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env });
  assert.equal(cached.code, 0, cached.stderr);
  const secret = /AWS_SECRET_ACCESS_KEY='([^']+)'/.exec(cached.stdout)?.[1];
  assert.ok(secret);

  const session = await TmuxSession.start(['bash', '--norc', '--noprofile'], { env: { ...world.env, PS1: '$ ', SHELL: '/bin/bash' }, cwd: world.home });
  t.after(() => session.close());
  await session.waitFor(/\$ $/m);
  await session.type('awsmfa env doug; echo "status=$?"', 'Enter');
  const screen = await session.waitFor(/status=\d/);
  assert.match(screen, /status=1/);
  assert.match(screen, /Apply them to this shell: eval "\$\(awsmfa env doug\)"/);
  assert.ok(!screen.includes(secret), 'the secret key is not on the screen');
  assert.doesNotMatch(screen, /AWS_SESSION_TOKEN|^false$/m);
  assert.equal(world.count('GetSessionToken'), 1);
});

test('messages: an endpoint that is not STS is named as such, doctor never sends the user to doctor, and one cause is one FAIL line', async (t) => {
  const world = await createWorld();
  t.after(() => world.close());
  // Something that answers every request with an empty 404, as a web server at a wrong URL does.
  const { createServer } = await import('node:http');
  const server = createServer((_request, response) => response.writeHead(404).end());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const port = (server.address() as { port: number }).port;
  const notSts = { ...world.env, SHELL: '/bin/bash', AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}` };

  const run = await awsmfa(['env', 'doug', '--token-code', '123456'], { env: notSts });
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^awsmfa: error: STS at http:\/\/127\.0\.0\.1:\d+ gave an answer that is not an STS answer \(HTTP 404\), for GetSessionToken for \[doug\]$/m);
  assert.doesNotMatch(run.stderr, /Unknown|NotFound/);

  const doctor = await awsmfa(['doctor', 'doug'], { env: notSts });
  assert.equal(doctor.code, 1);
  assert.match(doctor.stdout, /^FAIL {2}STS at .* is not an STS answer \(HTTP 404\)/m);
  assert.doesNotMatch(doctor.stdout, /awsmfa doctor|Unknown/, 'doctor does not tell the user to run doctor');

  // Nothing listening: the clock check and the key check fail for the same reason, said once.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const closedPort = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const down = await awsmfa(['doctor', 'doug'], { env: { ...notSts, AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${closedPort}` } });
  const failures = down.stdout.split('\n').filter((line) => line.startsWith('FAIL'));
  assert.equal(failures.length, 1, down.stdout);
  assert.match(failures[0]!, /cannot reach STS at http:\/\/127\.0\.0\.1:\d+: the connection was refused/);
  assert.match(down.stdout, /^1 problem to fix \(1 failed, 0 warnings\)\.$/m);
});

test('one rounding of the time left: the prompt right after `awsmfa use` never shows more than the message said', async (t) => {
  if (!(await requireShell(t, 'bash'))) return;
  const world = await createWorld();
  t.after(() => world.close());
  const init = await initFile('bash', world.env, world.home);
  // STS gives expirations in whole seconds. A role session of one hour read a fraction of a second
  // after it was issued: the message used to floor that to "59m 59s" while the prompt, counting
  // whole seconds as AWSMFA_EXPIRES_AT and $EPOCHSECONDS do, showed "1h".
  const script = [
    `source '${init}'`,
    'for i in 1 2 3 4 5; do',
    `  awsmfa use admin --force --token-code "$(printf '%s' "$CODES" | cut -d' ' -f1)" 2> message || exit 1`,
    '  CODES=${CODES#* }',
    '  __awsmfa_prompt_render',
    '  printf "%s|%s\\n" "$(grep -o "([^)]* left)" message)" "$__awsmfa_prompt_text"',
    'done',
  ].join('\n');
  // One code for the MFA session; the later runs renew the role only (--force keeps the MFA session).
  const codes = [world.code(), '000000', '000000', '000000', '000000'].join(' ');
  const run = await runShell('bash', script, { env: { ...world.env, CODES: codes } });
  assert.equal(run.code, 0, run.stderr);
  const seconds = (text: string) =>
    [...text.matchAll(/(\d+)(h|m|s)/g)].reduce((sum, [, value, unit]) => sum + Number(value) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1), 0);
  const rows = run.stdout.trim().split('\n');
  assert.equal(rows.length, 5, run.stdout);
  for (const row of rows) {
    const [message, prompt] = row.split('|') as [string, string];
    assert.match(prompt, /^\[admin (1h|59m)\] ?$/, row);
    // The prompt shows whole units, rounded down: "1h" is at least 3600 s, "59m" at least 3540 s.
    assert.ok(seconds(prompt) <= seconds(message), `the prompt shows more than the message said: ${row}`);
  }
});

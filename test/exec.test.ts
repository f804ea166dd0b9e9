/**
 * `awsmfa exec` run as people run it: from bash, zsh and fish, with real children that read stdin, exit
 * with a status, trap signals and get killed; and on a real pseudo-terminal, where Ctrl-C reaches the
 * child once. Secrets must appear in the child's environment and on no command line.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { access, chmod, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, createWorld, runProgram, type RunResult, type World } from './helpers/fixture.js';

const AWSMFA = `${process.execPath} ${CLI}`;

async function withSession(body: (world: World, secret: { key: string; token: string; id: string }) => Promise<void>) {
  const world = await createWorld();
  try {
    // One session in the cache; every exec below uses it without a code.
    const printer = 'process.stdout.write(JSON.stringify([process.env.AWS_ACCESS_KEY_ID, process.env.AWS_SECRET_ACCESS_KEY, process.env.AWS_SESSION_TOKEN]))';
    const first = await runProgram(process.execPath, [CLI, 'exec', 'doug', '--token-code', world.code(), '--', process.execPath, '-e', printer], { env: world.env });
    assert.equal(first.code, 0, first.stderr);
    const [id, key, token] = JSON.parse(first.stdout) as [string, string, string];
    await body(world, { id, key, token });
  } finally {
    await world.close();
  }
}

function shell(world: World, name: 'bash' | 'zsh' | 'fish', script: string, env: Record<string, string> = {}): Promise<RunResult> {
  const args = { bash: ['--norc', '--noprofile', '-c'], zsh: ['-f', '-c'], fish: ['--no-config', '-c'] }[name];
  return runProgram(name, [...args, script], { env: { ...world.env, AWSMFA, ...env } });
}

function parseEnv(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const entry of text.split('\0')) {
    const equals = entry.indexOf('=');
    if (equals > 0) vars.set(entry.slice(0, equals), entry.slice(equals + 1));
  }
  return vars;
}

/** A running child whose output can be waited on line by line. */
function start(program: string, args: readonly string[], env: Record<string, string>, options: { detached?: boolean } = {}) {
  const child = spawn(program, args, { env, stdio: ['pipe', 'pipe', 'pipe'], detached: options.detached ?? false });
  let stdout = '';
  let stderr = '';
  const waiters: { pattern: RegExp; resolve: () => void }[] = [];
  const check = () => {
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(stdout)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  };
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    check();
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  void ended.then(() => clearTimeout(timer));
  return {
    child,
    ended,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    waitFor(pattern: RegExp): Promise<void> {
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        check();
        void ended.then(() => reject(new Error(`ended before ${pattern}; stdout: ${stdout}; stderr: ${stderr}`)));
      });
    },
  };
}

/** The process ids of `pid`'s children, from /proc. */
async function childrenOf(pid: number): Promise<number[]> {
  const found: number[] = [];
  for (const task of await readdir(`/proc/${pid}/task`).catch(() => [] as string[])) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    found.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return found;
}

test('the child gets exactly the variables env would set; the parent shell keeps its own', async () => {
  await withSession(async (world, secret) => {
    const childFile = join(world.home, 'child.env');
    const evalFile = join(world.home, 'eval.env');
    const result = await shell(
      world,
      'bash',
      `export AWS_PROFILE=work AWS_SECURITY_TOKEN=stale AWS_REGION=us-west-2 FOO='a b'
      $AWSMFA exec doug -- env -0 > ${childFile} || exit 9
      echo "parent: \${AWS_ACCESS_KEY_ID-unset} $AWS_PROFILE $AWS_SECURITY_TOKEN $AWS_REGION \${AWSMFA_PROFILE-unset} \${AWSMFA_EXEC-unset}"
      (eval "$($AWSMFA env doug)" && env -0 > ${evalFile})`,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^parent: unset work stale us-west-2 unset unset$/m);
    const child = parseEnv(await readFile(childFile, 'utf8'));
    const viaEval = parseEnv(await readFile(evalFile, 'utf8'));
    assert.equal(child.get('AWS_ACCESS_KEY_ID'), secret.id);
    assert.equal(child.get('AWS_SECRET_ACCESS_KEY'), secret.key);
    assert.equal(child.get('AWS_SESSION_TOKEN'), secret.token);
    assert.match(child.get('AWS_CREDENTIAL_EXPIRATION') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(child.get('AWS_REGION'), 'eu-west-1');
    assert.equal(child.get('AWSMFA_EXEC'), 'doug');
    for (const removed of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SECURITY_TOKEN']) assert.equal(child.has(removed), false, removed);
    assert.equal(child.get('FOO'), 'a b');
    // Everything else is what `eval "$(awsmfa env doug)"` gives a shell, nothing more, nothing less.
    child.delete('AWSMFA_EXEC');
    child.delete('_');
    viaEval.delete('_');
    assert.deepEqual(Object.fromEntries([...child].sort()), Object.fromEntries([...viaEval].sort()));
  });
});

test('the exit status passes through to bash, zsh and fish, 128+signal when the child is killed', async () => {
  await withSession(async (world) => {
    const runs = await Promise.all([
      shell(world, 'bash', `$AWSMFA exec doug -- sh -c 'exit 7'; echo "status=$?"; $AWSMFA exec doug -- sh -c 'kill -TERM $$'; echo "status=$?"; $AWSMFA exec doug -- sh -c 'kill -INT $$'; echo "status=$?"`),
      shell(world, 'zsh', `\${=AWSMFA} exec doug -- sh -c 'exit 7'; echo "status=$?"; \${=AWSMFA} exec doug -- sh -c 'kill -TERM $$'; echo "status=$?"`),
      shell(world, 'fish', `eval $AWSMFA exec doug -- sh -c "'exit 7'"; echo "status=$status"; eval $AWSMFA exec doug -- sh -c "'kill -TERM \\$\\$'"; echo "status=$status"`),
    ]);
    for (const [index, result] of runs.entries()) {
      const expected = index === 0 ? 'status=7\nstatus=143\nstatus=130\n' : 'status=7\nstatus=143\n';
      assert.equal(result.stdout, expected, `${['bash', 'zsh', 'fish'][index]}: ${result.stdout} ${result.stderr}`);
    }
  });
});

test('stdin passes through to the command, and to $SHELL when no command is given', async () => {
  await withSession(async (world, secret) => {
    const input = 'first line\nsecond line with \u00e9\n\u0000binary\n';
    const cat = await runProgram(process.execPath, [CLI, 'exec', 'doug', '--', 'cat'], { env: world.env, stdin: input });
    assert.equal(cat.code, 0, cat.stderr);
    assert.equal(cat.stdout, input);
    assert.equal(cat.stderr, '', 'nothing but the command\'s own output');

    const script = 'echo "shell=$0 exec=$AWSMFA_EXEC key=$AWS_ACCESS_KEY_ID"\nexit 4\n';
    const bashShell = await runProgram(process.execPath, [CLI, 'exec', 'doug'], { env: { ...world.env, SHELL: '/bin/bash' }, stdin: script });
    assert.equal(bashShell.code, 4);
    assert.equal(bashShell.stdout, `shell=/bin/bash exec=doug key=${secret.id}\n`);
    assert.match(bashShell.stderr, /doug: starting \/bin\/bash with the session until .*; exit leaves it/);

    const noShell = await runProgram(process.execPath, [CLI, 'exec', 'doug'], { env: world.env, stdin: script });
    assert.equal(noShell.stdout, `shell=/bin/sh exec=doug key=${secret.id}\n`);
  });
});

test('SIGINT, SIGTERM and SIGHUP sent to awsmfa reach the child; no secret is on any command line', async () => {
  await withSession(async (world, secret) => {
    // A child that reports the signal and exits with a status of its own.
    const trapper = `for s in INT TERM HUP; do trap "echo got $s; exit 42" $s; done; echo ready; while :; do sleep 0.05; done`;
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
      // detached: a session of its own, with no controlling terminal, as under a supervisor or in CI.
      const run = start(process.execPath, [CLI, 'exec', 'doug', '--', 'sh', '-c', trapper], world.env, { detached: true });
      await run.waitFor(/ready/);
      run.child.kill(signal);
      const ended = await run.ended;
      assert.equal(run.stdout, `ready\ngot ${signal.slice(3)}\n`, `${signal}: ${run.stderr}`);
      assert.deepEqual(ended, { code: 42, signal: null }, signal);
    }

    const run = start(process.execPath, [CLI, 'exec', 'doug', '--', 'sh', '-c', 'echo ready; exec sleep 30'], world.env, { detached: true });
    await run.waitFor(/ready/);
    const pid = run.child.pid!;
    let children: number[] = [];
    for (let i = 0; i < 100 && children.length === 0; i++) {
      children = await childrenOf(pid);
      if (children.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    }
    assert.equal(children.length, 1, 'the command runs as a child of awsmfa');
    const sleeper = children[0]!;
    await new Promise((resolve) => setTimeout(resolve, 100)); // let sh exec sleep
    for (const process of [pid, sleeper]) {
      const commandLine = (await readFile(`/proc/${process}/cmdline`, 'utf8')).replaceAll('\0', ' ');
      assert.ok(!commandLine.includes(secret.key) && !commandLine.includes(secret.token) && !commandLine.includes(secret.id), `secret on the command line of ${commandLine}`);
    }
    assert.match((await readFile(`/proc/${sleeper}/cmdline`, 'utf8')).replaceAll('\0', ' '), /^sleep 30 $/);
    const environ = await readFile(`/proc/${sleeper}/environ`, 'utf8');
    assert.ok(environ.includes(`AWS_SECRET_ACCESS_KEY=${secret.key}\0`), 'the secret is in the child\'s environment');

    // A child killed by a signal: awsmfa ends by the same signal, so its caller sees the same thing.
    run.child.kill('SIGTERM');
    assert.deepEqual(await run.ended, { code: null, signal: 'SIGTERM' });
    await assert.rejects(access(`/proc/${sleeper}`), 'the child is gone too');
  });
});

test('on a terminal, Ctrl-C reaches the child once, not once from the terminal and again from awsmfa', async (t) => {
  if (!(await access('/usr/bin/script').then(() => true, () => false))) {
    t.skip('util-linux script is not installed');
    return;
  }
  await withSession(async (world) => {
    const counter = join(world.home, 'count-sigint.js');
    await writeFile(
      counter,
      `let n = 0; process.on('SIGINT', () => { n++; }); console.log('ready'); setTimeout(() => { console.log('sigints=' + n); process.exit(n === 0 ? 3 : 0); }, 1500);\n`,
    );
    const command = `exec ${AWSMFA} exec doug -- ${process.execPath} ${counter}`;
    const run = start('script', ['-qec', command, '/dev/null'], { ...world.env, SHELL: '/bin/sh' });
    await run.waitFor(/ready/);
    run.child.stdin!.write('\u0003');
    const ended = await run.ended;
    assert.match(run.stdout, /sigints=1\r?\n/, run.stdout);
    assert.equal(ended.code, 0, 'awsmfa outlived the Ctrl-C and passed on the child\'s status');
  });
});

test('exec inside exec is refused unless --force; a missing or unusable command is 127 or 126', async () => {
  await withSession(async (world) => {
    const nested = await runProgram(process.execPath, [CLI, 'exec', 'doug', '--', 'true'], { env: { ...world.env, AWSMFA_EXEC: 'admin' } });
    assert.equal(nested.code, 1);
    assert.match(nested.stderr, /already running inside `awsmfa exec admin`/);
    assert.match(nested.stderr, /--force/);

    const forced = await runProgram(process.execPath, [CLI, 'exec', 'doug', '--force', '--token-code', world.code(), '--', 'sh', '-c', 'echo $AWSMFA_EXEC'], {
      env: { ...world.env, AWSMFA_EXEC: 'admin' },
    });
    assert.equal(forced.code, 0, forced.stderr);
    assert.equal(forced.stdout, 'doug\n');

    const missing = await runProgram(process.execPath, [CLI, 'exec', 'doug', '--', 'no-such-command-awsmfa'], { env: world.env });
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /cannot run no-such-command-awsmfa: command not found/);

    const notExecutable = join(world.home, 'plain.txt');
    await writeFile(notExecutable, 'echo hi\n');
    await chmod(notExecutable, 0o644);
    const denied = await runProgram(process.execPath, [CLI, 'exec', 'doug', '--', notExecutable], { env: world.env });
    assert.equal(denied.code, 126);
    assert.match(denied.stderr, /permission denied/);
  });
});

/**
 * Long-term secrets in the OS keyring, for real: a Secret Service (gnome-keyring-daemon on a private
 * D-Bus session bus started for this file, with a throwaway HOME) holds the secret of a profile set up
 * with `--store keyring`. `env`, roles and `doctor` read it from there, `--store file` moves it back,
 * `--remove-keys` deletes it, and at no point while it is in the keyring does the credentials file (or
 * the config file) contain it. Where no keyring service can be reached, setup says so and how to do
 * without, and writes nothing.
 *
 * Without Linux, dbus-run-session and gnome-keyring-daemon (Debian: dbus-daemon, dbus-bin, gnome-keyring)
 * the Secret Service tests are skipped, each with the reason.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { ACCOUNT, ADMIN_ROLE, CLI, DOUG_SERIAL, ROOT, awsmfa, createWorld, runProgram, type World } from './helpers/fixture.js';
import { converse, requireScript } from './helpers/terminal.js';

const KIM_SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/kim`;
const LEE_SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/lee`;
const LEE = { userName: 'lee', accountId: ACCOUNT, accessKeyId: 'AKIALEELEE000EXAMPLE', secretAccessKey: 'leeSecretKeyEXAMPLE/0123456789abcdefghijk', mfaSerial: LEE_SERIAL, totpSecret: 'KRSXG5CTMVRXEZLUKN2XAZLSKNSWG4TF' };

const SECRET_SERVICE = `
printf 'awsmfa-test\\n' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; do
  i=$((i + 1))
  if [ "$i" -ge 200 ]; then echo 'failed: gnome-keyring-daemon did not register org.freedesktop.secrets within 10 s'; kill "$daemon" 2>/dev/null; exit 1; fi
  sleep 0.05
done
echo "ready $DBUS_SESSION_BUS_ADDRESS"
read -r _ || true
kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null
exit 0
`;

interface SecretService {
  readonly address: string;
  stop(): Promise<void>;
}

async function missingTool(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `the Secret Service tests need Linux (this is ${process.platform})`;
  for (const [tool, pkg] of [['dbus-run-session', 'dbus-daemon'], ['dbus-send', 'dbus-bin'], ['gnome-keyring-daemon', 'gnome-keyring']] as const) {
    const found = await runProgram('sh', ['-c', `command -v ${tool}`], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } });
    if (found.code !== 0) return `${tool} is not installed (Debian package ${pkg}), so no Secret Service can be started for the keyring tests`;
  }
  return undefined;
}

/** gnome-keyring-daemon on a D-Bus session bus of its own, its keyrings under `home`. */
async function startSecretService(home: string): Promise<SecretService | string> {
  const runtime = join(home, 'run');
  await mkdir(runtime, { recursive: true, mode: 0o700 });
  const child: ChildProcess = spawn('dbus-run-session', ['--', 'sh', '-c', SECRET_SERVICE], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, XDG_RUNTIME_DIR: runtime, LANG: 'C.UTF-8' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (errors += text));
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const ready = await new Promise<string>((resolve) => {
    const timer = setTimeout(() => resolve('failed: the Secret Service did not start within 15 s'), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      output += text;
      const line = output.split('\n').find((candidate) => candidate.startsWith('ready ') || candidate.startsWith('failed: '));
      if (line !== undefined) {
        clearTimeout(timer);
        resolve(line);
      }
    });
    child.on('close', () => {
      clearTimeout(timer);
      resolve(`failed: dbus-run-session exited (${errors.trim().split('\n').at(-1) ?? ''})`);
    });
  });
  const stop = async () => {
    child.stdin!.end();
    const killer = setTimeout(() => child.kill('SIGTERM'), 5000);
    await closed;
    clearTimeout(killer);
  };
  if (!ready.startsWith('ready ')) {
    await stop();
    return ready.replace(/^failed: /, '');
  }
  return { address: ready.slice('ready '.length).trim(), stop };
}

let world: World;
let service: SecretService | undefined;
let unavailable: string | undefined;

before(async () => {
  world = await createWorld({
    config: () => '# config without keys\n[default]\nregion = us-east-1\n',
    credentials: () => '# nothing here yet\n',
    users: [{ userName: 'kim', accountId: ACCOUNT, accessKeyId: 'AKIAKIMKIM000EXAMPLE', secretAccessKey: 'kimSecretKeyEXAMPLE/0123456789abcdefghijk', mfaSerial: KIM_SERIAL, totpSecret: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }, LEE],
  });
  unavailable = await missingTool();
  if (unavailable === undefined) {
    const started = await startSecretService(world.home);
    if (typeof started === 'string') unavailable = `the Secret Service could not be started: ${started}`;
    else service = started;
  }
});

after(async () => {
  await service?.stop();
  await world.close();
});

function requireService(t: TestContext): SecretService | undefined {
  if (service === undefined) t.skip(unavailable ?? 'no Secret Service');
  return service;
}

function withBus(address: string): Record<string, string> {
  return { ...world.env, DBUS_SESSION_BUS_ADDRESS: address, XDG_RUNTIME_DIR: join(world.home, 'run') };
}

/** What the Secret Service holds for an access key, read with the binding itself, not through awsmfa. */
async function keyringHolds(env: Record<string, string>, accessKeyId: string): Promise<string | null> {
  const script = `const { Entry } = require('@napi-rs/keyring'); const v = new Entry('awsmfa', process.argv[1], { linux: { store: 'secret-service' } }).getPassword(); process.stdout.write(JSON.stringify(v));`;
  const result = await runProgram(process.execPath, ['-e', script, accessKeyId], { env, cwd: ROOT });
  assert.equal(result.code, 0, result.stderr);
  return JSON.parse(result.stdout) as string | null;
}

/** Neither file holds the secret: the promise this whole feature makes. */
async function assertNotInFiles(secret: string, when: string): Promise<void> {
  assert.ok(!(await readFile(world.credentialsPath, 'latin1')).includes(secret), `${when}: the credentials file does not contain the secret`);
  assert.ok(!(await readFile(world.configPath, 'latin1')).includes(secret), `${when}: the config file does not contain the secret`);
}

/** The next unused code of another user's device (world.code() is doug's). */
const usedSteps = new Map<string, Set<number>>();
function codeOf(serial: string): string {
  const used = usedSteps.get(serial) ?? new Set<number>();
  usedSteps.set(serial, used);
  const step = Math.floor(Date.now() / 30_000);
  const free = [step, step + 1].find((candidate) => !used.has(candidate))!;
  used.add(free);
  return world.emulator.code(serial, free * 30 + 15);
}
const kimCode = () => codeOf(KIM_SERIAL);

test('the secret goes to the keyring: env and doctor read it there, --store file moves it back, --remove-keys deletes it', async (t) => {
  const ss = requireService(t);
  if (ss === undefined) return;
  const env = withBus(ss.address);
  const secret = world.user.secretAccessKey;
  const keyId = world.user.accessKeyId;

  const setup = await awsmfa(['setup', 'work', '--store', 'keyring', '--access-key-id', keyId, '--secret-stdin', '--token-code', world.code(), '--yes'], { env, stdin: `${secret}\n` });
  assert.equal(setup.code, 0, setup.stderr);
  assert.match(setup.stderr, /stored the secret in the Secret Service .* \(service awsmfa, account AKIADOUGDOUG0EXAMPLE\)/);
  assert.equal(await keyringHolds(env, keyId), secret, 'the Secret Service holds the secret');
  await assertNotInFiles(secret, 'after setup --store keyring');
  assert.equal(await readFile(world.credentialsPath, 'utf8'), `# nothing here yet\n\n[work]\naws_access_key_id = ${keyId}\n`);
  assert.match(await readFile(world.configPath, 'utf8'), /\[profile work\]\nmfa_serial = .*\nawsmfa_keyring = true\n$/);

  // A new session, made with the secret read from the keyring.
  assert.equal((await awsmfa(['clear', 'work'], { env })).code, 0);
  const fresh = await awsmfa(['env', 'work', '--shell', 'bash', '--token-code', world.code()], { env });
  assert.equal(fresh.code, 0, fresh.stderr);
  assert.match(fresh.stdout, /^export AWS_SESSION_TOKEN=/m);
  assert.equal(world.count('GetSessionToken'), 2);

  // A cached session does not touch the keyring, nor load its module (no unlock prompt for nothing).
  const reporter = join(world.home, 'reporter.cjs');
  const report = join(world.home, 'loaded.json');
  await writeFile(reporter, `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache))));`);
  const cached = await runProgram(process.execPath, ['-r', reporter, CLI, 'env', 'work', '--shell', 'bash'], { env });
  assert.equal(cached.code, 0, cached.stderr);
  assert.deepEqual((JSON.parse(await readFile(report, 'utf8')) as string[]).filter((file) => file.includes('keyring')), []);

  const doctor = await awsmfa(['doctor', 'work', '--json'], { env });
  const checks = (JSON.parse(doctor.stdout) as { checks: { check: string; status: string; message: string }[] }).checks;
  assert.equal(checks.find((check) => check.check === 'keyring')?.status, 'ok', doctor.stdout);
  assert.equal(checks.find((check) => check.check === 'keys-valid')?.status, 'ok', 'AWS accepted the key with the secret from the keyring');

  const back = await awsmfa(['setup', 'work', '--store', 'file'], { env });
  assert.equal(back.code, 0, back.stderr);
  assert.equal(await keyringHolds(env, keyId), null, 'moved back: the keyring entry is gone');
  assert.equal(await readFile(world.credentialsPath, 'utf8'), `# nothing here yet\n\n[work]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`);
  assert.doesNotMatch(await readFile(world.configPath, 'utf8'), /awsmfa_keyring/);

  const again = await awsmfa(['setup', 'work', '--store', 'keyring'], { env });
  assert.equal(again.code, 0, again.stderr);
  assert.equal(await keyringHolds(env, keyId), secret);
  await assertNotInFiles(secret, 'after moving it to the keyring again');
  const nothing = await awsmfa(['setup', 'work', '--store', 'keyring'], { env });
  assert.match(nothing.stderr, /already in the Secret Service .*nothing to move/);

  const removed = await awsmfa(['setup', 'work', '--remove-keys'], { env });
  assert.equal(removed.code, 0, removed.stderr);
  assert.equal(await keyringHolds(env, keyId), null, 'removed from the keyring');
  await assertNotInFiles(secret, 'after --remove-keys');
  assert.equal(await readFile(world.credentialsPath, 'utf8'), '# nothing here yet\n', 'no empty [work] header is left behind');
  assert.match(removed.stderr, /removed aws_access_key_id from \[work\] of /);
  assert.match(removed.stderr, /removed awsmfa_keyring from \[profile work\] in /, 'only what [profile work] held is named');
  assert.doesNotMatch(removed.stderr, /removed the keys/);
  assert.match(await readFile(world.configPath, 'utf8'), /\[profile work\]\nmfa_serial = /, 'the rest of the profile stays');
  await awsmfa(['clear', 'work'], { env });
  const gone = await awsmfa(['env', 'work', '--shell', 'bash'], { env });
  assert.equal(gone.code, 1);
  assert.match(gone.stderr, /profile \[work\] has no aws_access_key_id/);
});

test('a role whose source profile keeps its secret in the keyring', async (t) => {
  const ss = requireService(t);
  if (ss === undefined) return;
  const env = withBus(ss.address);
  const secret = 'kimSecretKeyEXAMPLE/0123456789abcdefghijk';
  const setup = await awsmfa(['setup', 'kim', '--store', 'keyring', '--access-key-id', 'AKIAKIMKIM000EXAMPLE', '--secret-stdin', '--token-code', kimCode(), '--yes'], { env, stdin: secret });
  assert.equal(setup.code, 0, setup.stderr);
  await writeFile(world.configPath, `${await readFile(world.configPath, 'utf8')}\n[profile kim-admin]\nrole_arn = ${ADMIN_ROLE}\nsource_profile = kim\nmfa_serial = ${KIM_SERIAL}\n`);
  await awsmfa(['clear', 'kim'], { env });
  const role = await awsmfa(['env', 'kim-admin', '--shell', 'bash', '--token-code', kimCode()], { env });
  assert.equal(role.code, 0, role.stderr);
  assert.match(role.stdout, /^export AWSMFA_PROFILE='kim-admin'$/m);
  await assertNotInFiles(secret, 'with the role in use');

  // The entry disappears behind awsmfa's back: the error says where the secret should be and what to do.
  const deleted = await runProgram(process.execPath, ['-e', `new (require('@napi-rs/keyring').Entry)('awsmfa', 'AKIAKIMKIM000EXAMPLE', { linux: { store: 'secret-service' } }).deleteCredential()`], { env, cwd: ROOT });
  assert.equal(deleted.code, 0, deleted.stderr);
  const missing = await awsmfa(['env', 'kim-admin', '--shell', 'bash', '--force-mfa', '--token-code', '123456'], { env });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /the secret of \[kim\] \(key AKIAKIMKIM000EXAMPLE\) is not in the Secret Service/);
  assert.match(missing.stderr, /awsmfa setup kim/);
});

test('with no keyring service to reach, setup --store keyring says so and how to do without, and writes nothing', async (t) => {
  if (process.platform !== 'linux') return t.skip(`the unreachable Secret Service is a Linux case (this is ${process.platform})`);
  const env = { ...world.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(world.home, 'no-bus-here')}` };
  const config = await readFile(world.configPath);
  const credentials = await readFile(world.credentialsPath);
  const calls = world.emulator.calls.length;
  const result = await awsmfa(['setup', 'nokeyring', '--store', 'keyring', '--access-key-id', world.user.accessKeyId, '--secret-stdin', '--token-code', '123456', '--yes'], { env, stdin: world.user.secretAccessKey });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /no keyring service is reachable .*the Secret Service/);
  assert.match(result.stderr, /awsmfa setup nokeyring --store file/);
  assert.deepEqual(await readFile(world.configPath), config);
  assert.deepEqual(await readFile(world.credentialsPath), credentials);
  assert.equal(world.emulator.calls.length, calls, 'nothing was sent to STS');
});

test('a keyring profile whose keyring cannot be reached fails before a code is asked for', async (t) => {
  if (process.platform !== 'linux') return t.skip(`the unreachable Secret Service is a Linux case (this is ${process.platform})`);
  const env = { ...world.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(world.home, 'no-bus-here')}` };
  await writeFile(world.configPath, `${await readFile(world.configPath, 'utf8')}\n[profile locked]\nmfa_serial = ${DOUG_SERIAL}\nawsmfa_keyring = true\n`);
  await writeFile(world.credentialsPath, `${await readFile(world.credentialsPath, 'utf8')}\n[locked]\naws_access_key_id = ${world.user.accessKeyId}\n`);
  const calls = world.emulator.calls.length;
  // No --token-code and no terminal: had the keyring been read after the code, the error would be about the code.
  const result = await runProgram('setsid', ['-w', process.execPath, CLI, 'env', 'locked', '--shell', 'bash'], { env });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /no keyring service is reachable to read the secret of AKIADOUGDOUG0EXAMPLE/);
  assert.match(result.stderr, /awsmfa setup locked --store file/);
  assert.equal(world.emulator.calls.length, calls);
});

test('with the keyring gone, the advice given works when followed as written; the entry left behind is reported once, with the command that deletes it', async (t) => {
  const ss = requireService(t);
  if (ss === undefined) return;
  if (!(await requireScript(t))) return;
  const env = withBus(ss.address);
  const setup = await awsmfa(['setup', 'k3', '--store', 'keyring', '--access-key-id', LEE.accessKeyId, '--secret-stdin', '--token-code', codeOf(LEE_SERIAL), '--yes'], { env, stdin: LEE.secretAccessKey });
  assert.equal(setup.code, 0, setup.stderr);

  // The AWS CLI does not read the keyring: doctor says what plain `aws --profile k3` will say, and why.
  const doctor = await awsmfa(['doctor', 'k3', '--offline', '--json'], { env });
  const note = (JSON.parse(doctor.stdout) as { checks: { check: string; status: string; message: string }[] }).checks.find((check) => check.check === 'keyring-aws-cli');
  assert.equal(note?.status, 'info', doctor.stdout);
  assert.match(note!.message, /Partial credentials found in shared-credentials-file, missing: aws_secret_access_key/);
  assert.match(note!.message, /awsmfa exec k3 -- aws/);
  if (await access('/usr/bin/aws').then(() => true, () => false)) {
    const plain = await runProgram('/usr/bin/aws', ['sts', 'get-caller-identity', '--profile', 'k3', '--region', 'us-east-1', '--endpoint-url', world.emulator.url], { env });
    assert.notEqual(plain.code, 0);
    assert.match(plain.stderr, /Partial credentials found in shared-credentials-file, missing: aws_secret_access_key/, 'the words doctor and README quote are the AWS CLI\'s');
  }

  const gone = { ...world.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(world.home, 'no-bus-here')}` };
  const failed = await awsmfa(['env', 'k3', '--shell', 'bash', '--force', '--token-code', '123456'], { env: gone });
  assert.equal(failed.code, 1);
  const advice = /awsmfa setup k3 --store file\b[^\n]*/.exec(failed.stderr)?.[0];
  assert.ok(advice !== undefined, failed.stderr);
  const offline = await awsmfa(['doctor', 'k3', '--offline', '--json'], { env: gone });
  const keyring = (JSON.parse(offline.stdout) as { checks: { check: string; status: string; fix: string | null }[] }).checks.find((check) => check.check === 'keyring');
  assert.equal(keyring?.status, 'fail');
  assert.match(keyring!.fix ?? '', /awsmfa setup k3 --store file/);

  // Followed as written, on a terminal, with the keyring still gone: the secret is asked for, the rest proposed.
  const run = await converse(gone, ['setup', 'k3', '--store', 'file'], [
    { question: 'Access key ID [', keys: '\r' },
    { question: 'Secret access key: ', keys: `${LEE.secretAccessKey}\r` },
    { question: 'Region [', keys: '\r' },
    { question: `MFA device ARN [${LEE_SERIAL}]: `, keys: '\r' },
    { question: 'Session duration (seconds, or e.g. 12h) [', keys: '\r' },
    { question: `MFA code for ${LEE_SERIAL}: `, keys: `${codeOf(LEE_SERIAL)}\r` },
  ]);
  assert.equal(run.status, 0, run.stderr);
  assert.match(await readFile(world.credentialsPath, 'utf8'), new RegExp(`\\[k3\\]\naws_access_key_id = ${LEE.accessKeyId}\naws_secret_access_key = ${LEE.secretAccessKey.replaceAll('/', '\\/')}\n`));
  assert.doesNotMatch((await readFile(world.configPath, 'utf8')).split('[profile k3]')[1] ?? '', /awsmfa_keyring/);
  const deleteCommand = `secret-tool clear service awsmfa username ${LEE.accessKeyId}`;
  assert.equal(run.stderr.split('could not delete').length - 1, 1, `the entry left behind is reported once:\n${run.stderr}`);
  assert.ok(run.stderr.includes(deleteCommand), run.stderr);
  assert.ok(!run.stderr.includes(LEE.secretAccessKey));
  const works = await awsmfa(['env', 'k3', '--shell', 'bash'], { env: gone });
  assert.equal(works.code, 0, works.stderr);

  // The command named deletes the entry, once the keyring is back.
  assert.equal(await keyringHolds(env, LEE.accessKeyId), LEE.secretAccessKey);
  const tool = await runProgram('sh', ['-c', 'command -v secret-tool'], { env });
  if (tool.code !== 0) {
    t.skip('secret-tool is not installed (Debian package libsecret-tools): the delete command named was not run');
    return;
  }
  const cleared = await runProgram('sh', ['-c', deleteCommand], { env });
  assert.equal(cleared.code, 0, cleared.stderr);
  assert.equal(await keyringHolds(env, LEE.accessKeyId), null, 'the command named deleted the entry');
});

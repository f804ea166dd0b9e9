/**
 * Fuzzing, bounded for CI: random AWS config and credentials files (hostile names and values, broken
 * sections, binary bytes) through the profile loader and every check made before a code is asked for;
 * random command lines through the command-line parser. Whatever comes in, the only failures are
 * AwsmfaErrors (or clipanion's usage errors) whose text is safe to show on a terminal.
 *
 * The seed is fixed so that CI is repeatable; AWSMFA_FUZZ_SEED and AWSMFA_FUZZ_RUNS try others and more
 * (e.g. AWSMFA_FUZZ_RUNS=20000 AWSMFA_FUZZ_SEED=$RANDOM), and a failure prints the seed and path to replay.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import fc from 'fast-check';
import { loadProfiles } from '../src/aws/profiles.js';
import { createCli } from '../src/cli.js';
import { forTerminal, shellFromArguments } from '../src/commands/base.js';
import { AwsmfaError } from '../src/errors.js';
import { SessionCache } from '../src/session/cache.js';
import { obtainSession } from '../src/session/sessions.js';

const SEED = Number(process.env.AWSMFA_FUZZ_SEED ?? 20_241_124);
const RUNS = Number(process.env.AWSMFA_FUZZ_RUNS ?? 0);
const runs = (ci: number) => (RUNS > 0 ? RUNS : ci);

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-fuzz-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Values that mean something to a shell, a terminal, printf, the INI parser or IAM. */
const hostile = fc.oneof(
  fc.constantFrom(
    '', ' ', "'", '"', '$(touch x)', '`id`', ';', ';x', '#x', '%s%n', '\\', '\u0000', '\u202e', '\u001b[2J', 'ü', '😀', '\ud800', '=', '[', ']', '[x]',
    'arn:aws:iam::123456789012:mfa/doug', 'arn:aws:iam::123456789012:role/admin', 'arn:aws:iam::123456789012:mfa/', 'GAHT12345678',
    '3600', '900', '129601', '-1', '1e3', '12h', 'us-east-1', 'EU-WEST-1', 'AKIADOUGDOUG0EXAMPLE', 'ASIATEMP', 'secretEXAMPLE',
    'http://127.0.0.1:9', 'file:///etc/passwd', 'true', '__proto__', 'constructor', 'x'.repeat(300),
  ),
  fc.string({ maxLength: 24 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const name = fc.oneof(fc.constantFrom('doug', 'admin', 'a', 'b', 'default', 'profile doug'), hostile);
const key = fc.constantFrom(
  'aws_access_key_id', 'aws_secret_access_key', 'aws_session_token', 'mfa_serial', 'duration_seconds', 'region', 'role_arn',
  'source_profile', 'role_session_name', 'external_id', 'mfa_process', 'endpoint_url', 'credential_source', 's3',
);
const line = fc.oneof(
  name.map((n) => `[profile ${n}]`),
  name.map((n) => `[${n}]`),
  fc.tuple(key, hostile).map(([k, v]) => `${k} = ${v}`),
  fc.tuple(key, name).map(([k, v]) => `${k}=${v}`),
  hostile.map((v) => `  nested = ${v}`),
  hostile,
  fc.constantFrom('', '# comment', '; comment', '[profile doug]', 'mfa_serial = arn:aws:iam::123456789012:mfa/doug', 'source_profile = doug'),
);
const randomFile = fc.tuple(fc.array(line, { maxLength: 24 }), fc.constantFrom('\n', '\r\n')).map(([lines, end]) => lines.join(end));

/**
 * A working setup with some of its lines changed: a value replaced by a hostile one, a line dropped, a
 * random line added. Random files alone almost never hold a complete profile, so without these the
 * checks after the loader would hardly be reached.
 */
function mutated(lines: readonly string[]) {
  const variants = (original: string) =>
    fc.oneof(
      { weight: 14, arbitrary: fc.constant([original]) },
      { weight: 2, arbitrary: hostile.map((value) => [original.includes('=') ? `${original.slice(0, original.indexOf('='))}= ${value}` : `[profile ${value}]`]) },
      { weight: 1, arbitrary: fc.constant([] as string[]) },
      { weight: 1, arbitrary: line.map((extra) => [original, extra]) },
    );
  return fc.tuple(...lines.map(variants)).map((parts) => parts.flat().join('\n'));
}
const CONFIG_LINES = [
  '[profile doug]', 'mfa_serial = arn:aws:iam::123456789012:mfa/doug', 'region = eu-west-1', 'duration_seconds = 3600',
  '[profile admin]', 'role_arn = arn:aws:iam::123456789012:role/admin', 'source_profile = doug', 'external_id = abc123',
  '[profile chained]', 'role_arn = arn:aws:iam::123456789012:role/audit', 'source_profile = admin', 'role_session_name = me',
];
const CREDENTIALS_LINES = ['[doug]', 'aws_access_key_id = AKIADOUGDOUG0EXAMPLE', 'aws_secret_access_key = secretEXAMPLE/0123456789'];
const configFile = fc.oneof({ weight: 1, arbitrary: randomFile }, { weight: 3, arbitrary: mutated(CONFIG_LINES) });
const credentialsFile = fc.oneof({ weight: 1, arbitrary: randomFile }, { weight: 3, arbitrary: mutated(CREDENTIALS_LINES) });

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

/** Stands for "a code would be asked for now": every check before that point has passed. */
const CODE_WANTED = new Error('a code would be asked for');

function assertShowable(error: AwsmfaError): void {
  const shown = forTerminal(error) as AwsmfaError;
  for (const text of [shown.message, shown.hint ?? '']) {
    assert.ok(!CONTROL.test(text), `control characters in ${JSON.stringify(text)}`);
    assert.ok(text.length < 5000, `${text.length} characters`);
  }
}

test('fuzz: random config and credentials files fail only with AwsmfaErrors fit for a terminal', async (t: TestContext) => {
  const cache = new SessionCache(join(dir, 'cache', 'awsmfa'));
  let tried = 0;
  let reachedCode = 0;
  let refused = 0;
  await fc.assert(
    fc.asyncProperty(configFile, credentialsFile, fc.array(name, { maxLength: 2 }), async (config, credentials, extraNames) => {
      const configPath = join(dir, 'config');
      const credentialsPath = join(dir, 'credentials');
      await writeFile(configPath, config);
      await writeFile(credentialsPath, credentials);
      // The endpoint is a closed local port: a profile that needs no code fails fast, and nothing leaves the machine.
      const env = { HOME: dir, AWS_CONFIG_FILE: configPath, AWS_SHARED_CREDENTIALS_FILE: credentialsPath, AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:9', AWSMFA_STS_TIMEOUT: '1' };
      let profiles;
      try {
        profiles = await loadProfiles(env);
      } catch (error) {
        assert.ok(error instanceof AwsmfaError, `loadProfiles threw ${String(error)}`);
        assertShowable(error);
        return;
      }
      for (const profile of [...profiles.names().slice(0, 4), ...extraNames]) {
        tried += 1;
        try {
          await obtainSession(
            { profile, tokenCode: undefined, durationSeconds: undefined, force: false },
            { profiles, cache, env, stderr: { write: () => true } as unknown as NodeJS.WritableStream, codeSource: async () => Promise.reject(CODE_WANTED) },
          );
          assert.fail(`a session for ${JSON.stringify(profile)} without a code or an STS`);
        } catch (error) {
          if (error === CODE_WANTED) {
            reachedCode += 1;
            continue;
          }
          assert.ok(error instanceof AwsmfaError, `${JSON.stringify(profile)}: ${(error as Error)?.stack ?? String(error)}`);
          assertShowable(error);
          refused += 1;
        }
      }
    }),
    { seed: SEED, numRuns: runs(150) },
  );
  t.diagnostic(`seed ${SEED}: ${runs(150)} pairs of files, ${tried} profiles tried, ${reachedCode} reached the code prompt, ${refused} refused with an AwsmfaError`);
  assert.ok(reachedCode > 0 && refused > 0, 'both outcomes occurred');
});

const WORDS = fc.constantFrom(
  'env', 'unset', 'exec', 'status', 'list', 'clear', 'doctor', 'credential-process', 'init', 'completions', 'login', 'use', 'demo',
  '--help', '-h', '--version', '--shell', '--shell=bash', '--shell=tcsh', '--token-code', '-c', '--duration', '--duration=900', '-d',
  '--force', '-f', '--json', '--offline', '--verify', '--to-profile', '--', 'bash', 'zsh', 'fish', 'pwsh', 'powershell', 'tcsh',
  'doug', '900', '3600', '123456', '-1', '1e3', '0x10',
);
const argv = fc.array(fc.oneof({ weight: 4, arbitrary: WORDS }, { weight: 1, arbitrary: hostile }), { maxLength: 8 });

test('fuzz: random command lines are parsed or refused with a usage error, never a crash', (t: TestContext) => {
  const cli = createCli();
  let parsed = 0;
  let usage = 0;
  fc.assert(
    fc.property(argv, (words) => {
      assert.ok(['bash', 'zsh', 'fish', 'pwsh'].includes(shellFromArguments(words, {})), 'the failure statement always has a shell');
      let command;
      try {
        command = cli.process(words, { out: process.stdout, env: {}, state: { failureWritten: false } }) as unknown as Record<string, unknown>;
      } catch (error) {
        assert.ok(['UsageError', 'UnknownSyntaxError', 'AmbiguousSyntaxError'].includes((error as Error).name), `${JSON.stringify(words)}: ${(error as Error)?.stack}`);
        usage += 1;
        return;
      }
      parsed += 1;
      const duration = command.duration;
      assert.ok(duration === undefined || Number.isSafeInteger(duration), `--duration became ${String(duration)}`);
      for (const option of ['shellOption', 'tokenCode', 'profileName']) {
        const value = command[option];
        assert.ok(value === undefined || typeof value === 'string', `${option} is ${typeof value}`);
      }
    }),
    { seed: SEED, numRuns: runs(1000) },
  );
  t.diagnostic(`seed ${SEED}: ${runs(1000)} command lines, ${parsed} parsed, ${usage} refused as usage errors`);
  assert.ok(parsed > 0 && usage > 0);
});

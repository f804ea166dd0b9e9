/**
 * Time: a local clock that is off is noticed from STS's Date header and named with the fix; a cached
 * session that has expired (or is about to) is never handed out; the two ways the expiry is exported
 * (RFC 3339 for the SDKs, epoch seconds for the prompt) always name the same second.
 */
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { loadProfiles } from '../src/aws/profiles.js';
import { SessionCache } from '../src/session/cache.js';
import { EXPIRES_VARIABLE, sessionChanges } from '../src/session/environment.js';
import { obtainSession } from '../src/session/sessions.js';
import { awsmfa, CLI, createWorld, DOUG_SERIAL, runProgram, type World, type WorldOptions } from './helpers/fixture.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function withWorld(options: WorldOptions, body: (world: World) => Promise<void>) {
  const world = await createWorld(options);
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

/** Gets a session in-process and returns what was written to stderr. */
async function stderrOfSession(world: World): Promise<string> {
  let stderr = '';
  const sink = { write: (chunk: string) => ((stderr += chunk), true) } as unknown as NodeJS.WritableStream;
  await obtainSession(
    { profile: 'doug', tokenCode: world.emulator.code(DOUG_SERIAL), durationSeconds: undefined, force: false },
    { profiles: await loadProfiles(world.env), cache: SessionCache.forEnvironment(world.env), env: world.env, stderr: sink },
  );
  return stderr;
}

for (const [offset, expected] of [
  [45, /^awsmfa: warning: this computer's clock is 4[4-6] s behind AWS's \(from STS's Date header\); MFA codes fail when clocks differ: set it right \(e\.g\. sudo timedatectl set-ntp true\)\n$/],
  [-45, /^awsmfa: warning: this computer's clock is 4[4-6] s ahead of AWS's /],
  [1200, /^awsmfa: warning: this computer's clock is 1\d{3} s behind AWS's [^\n]*\n$/],
  [20, /^$/],
  [-20, /^$/],
] as const) {
  test(`a clock ${Math.abs(offset)} s ${offset > 0 ? 'behind' : 'ahead'}: ${Math.abs(offset) > 30 ? 'one warning, with the fix' : 'no warning'}`, async () => {
    await withWorld({ clockOffsetSeconds: offset }, async (world) => {
      assert.match(await stderrOfSession(world), expected);
    });
  });
}

const cacheEntry = async (world: World) => {
  const dir = join(world.env.XDG_CACHE_HOME!, 'awsmfa');
  const name = (await readdir(dir)).find((file) => file.startsWith('session-'))!;
  return join(dir, name);
};

/** Rewrites the cached session's expiration to `secondsFromNow` (the file keeps its 0600 mode). */
async function expireIn(path: string, secondsFromNow: number): Promise<string> {
  const entry = JSON.parse(await readFile(path, 'utf8'));
  entry.expiration = new Date(Date.now() + secondsFromNow * 1000).toISOString();
  await writeFile(path, JSON.stringify(entry));
  return entry.sessionToken;
}

test('an expired cached session is never handed out, by env, exec or credential-process', async () => {
  await withWorld({}, async (world) => {
    assert.equal((await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env })).code, 0);
    const entry = await cacheEntry(world);
    for (const secondsLeft of [-3600, -1, 0]) {
      const token = await expireIn(entry, secondsLeft);
      // No terminal, so a run that wants a new code fails instead of asking; AWSMFA_MIN_REMAINING=0 takes
      // away the margin, so only the expiry itself is tried.
      const env = { ...world.env, AWSMFA_MIN_REMAINING: '0' };
      const runs = await Promise.all([
        runProgram('setsid', ['-w', process.execPath, CLI, 'env', 'doug', '--shell', 'bash'], { env }),
        runProgram('setsid', ['-w', process.execPath, CLI, 'exec', 'doug', '--', 'sh', '-c', 'echo "$AWS_SESSION_TOKEN"'], { env }),
        runProgram('setsid', ['-w', process.execPath, CLI, 'credential-process', 'doug'], { env }),
      ]);
      for (const run of runs) {
        assert.equal(run.code, 1, `${secondsLeft} s: ${run.stderr}`);
        assert.ok(!run.stdout.includes(token), 'the expired token is not in the output');
        assert.match(run.stderr, /terminal/);
      }
      assert.equal(runs[0]!.stdout, 'false\n');
    }
  });
});

test('a cached session with less than the minimum left is replaced; with more, reused', async () => {
  await withWorld({}, async (world) => {
    assert.equal((await awsmfa(['env', 'doug', '--token-code', world.code()], { env: world.env })).code, 0);
    const entry = await cacheEntry(world);
    const kept = await expireIn(entry, 400);
    const reused = await awsmfa(['env', 'doug', '--shell', 'bash'], { env: world.env });
    assert.equal(reused.code, 0, reused.stderr);
    assert.ok(reused.stdout.includes(kept), 'more than 5 minutes left: reused');

    const old = await expireIn(entry, 200);
    const renewed = await awsmfa(['env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(renewed.code, 0, renewed.stderr);
    assert.ok(!renewed.stdout.includes(old), 'less than 5 minutes left: a new session');
    assert.match(renewed.stderr, /^awsmfa: doug: session until/);
    assert.equal(world.count('GetSessionToken'), 2);

    // AWSMFA_MIN_REMAINING moves the margin.
    const stricter = await runProgram('setsid', ['-w', process.execPath, CLI, 'env', 'doug'], { env: { ...world.env, AWSMFA_MIN_REMAINING: String(13 * 3600) } });
    assert.equal(stricter.code, 1, 'a 12-hour session has less than 13 hours left');
  });
});

test('the reuse margin at its edge, on a set clock: 301 s left is reused, 300 s is replaced; with AWSMFA_MIN_REMAINING=0, 1 s and 0 s', async () => {
  await withWorld({}, async (world) => {
    const sink = { write: () => true } as unknown as NodeJS.WritableStream;
    const obtain = async (env: NodeJS.ProcessEnv, now: number, tokenCode?: string) =>
      obtainSession(
        { profile: 'doug', tokenCode, durationSeconds: undefined, force: false },
        { profiles: await loadProfiles(env), cache: SessionCache.forEnvironment(env), env, stderr: sink, now: () => now },
      );
    const first = await obtain(world.env, Date.now(), world.code());
    const end = Date.parse(first.session.expiration);
    const kept = await obtain(world.env, end - 301_000);
    assert.equal(kept.fromCache, true, '301 s left: reused');
    assert.equal(kept.session.sessionToken, first.session.sessionToken);
    // A session that is not reused needs a code: a malformed one shows that one was needed, without
    // spending a real one (the emulator has two per 30-second step).
    const needsCode = /the MFA code from --token-code is not only digits/;
    await assert.rejects(obtain(world.env, end - 300_000, 'x'), needsCode, '300 s left: not more than the margin, so a new session');
    await assert.rejects(obtain(world.env, end - 299_000, 'x'), needsCode);

    const noMargin = { ...world.env, AWSMFA_MIN_REMAINING: '0' };
    // Time left is counted in whole epoch seconds, as AWSMFA_EXPIRES_AT and the prompt count it.
    assert.equal((await obtain(noMargin, end - 1000)).fromCache, true, 'a second left: reused');
    assert.equal((await obtain(noMargin, end - 1)).fromCache, true, 'part of the last second left (the prompt shows 1s): reused');
    await assert.rejects(obtain(noMargin, end, 'x'), needsCode, 'no second left: replaced');
    assert.equal(world.count('GetSessionToken'), 1);
  });
});

test('AWSMFA_EXPIRES_AT and AWS_CREDENTIAL_EXPIRATION name the same second, the one STS gave, in a real bash', async () => {
  await withWorld({}, async (world) => {
    const issued = Date.now();
    const shell = await runProgram(
      'bash',
      ['--norc', '-c', `eval "$(awsmfa env doug --shell bash --token-code ${world.code()} --duration 3600)" && echo "$AWSMFA_EXPIRES_AT $(date -u -d "$AWS_CREDENTIAL_EXPIRATION" +%s) $(date -u -d "$AWS_SESSION_EXPIRATION" +%s) $AWS_CREDENTIAL_EXPIRATION"`],
      { env: world.env },
    );
    assert.equal(shell.code, 0, shell.stderr);
    const [epoch, fromRfc, fromSession, rfc] = shell.stdout.trim().split(' ');
    assert.equal(fromRfc, epoch);
    assert.equal(fromSession, epoch);
    assert.match(rfc!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const cached = JSON.parse(await readFile(await cacheEntry(world), 'utf8'));
    assert.equal(Number(epoch), Math.floor(Date.parse(cached.expiration) / 1000));
    assert.ok(Math.abs(Number(epoch) - (issued / 1000 + 3600)) < 5, 'one hour from when STS issued it');
  });
});

test('for any expiry instant, the exported RFC 3339 time and epoch seconds agree and name the second of that instant (property, 500 cases)', () => {
  fc.assert(
    fc.property(fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2200-01-01T00:00:00Z'), noInvalidDate: true }), (instant) => {
      const changes = sessionChanges(
        { profile: 'p', accessKeyId: 'ASIA', secretAccessKey: 's', sessionToken: 't', expiration: instant.toISOString(), region: undefined },
      );
      const value = (name: string) => changes.find((change) => change.name === name)?.value;
      const rfc = value('AWS_CREDENTIAL_EXPIRATION')!;
      assert.match(rfc, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.equal(value('AWS_SESSION_EXPIRATION'), rfc);
      assert.equal(Number(value(EXPIRES_VARIABLE)), Date.parse(rfc) / 1000);
      // Against the input itself, not only each other: all three shifted alike would agree and be wrong.
      const second = Math.floor(instant.getTime() / 1000);
      assert.equal(rfc, new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
      assert.equal(Number(value(EXPIRES_VARIABLE)), second);
    }),
    { seed: 20_241_124, numRuns: 500 },
  );
});

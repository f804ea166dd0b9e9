/**
 * The STS flow through the real @aws-sdk/client-sts, over real HTTP, against the loopback emulator:
 * sessions, the cache, and every way a request can go wrong, each with the message a person gets.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { loadProfiles } from '../src/aws/profiles.js';
import { AwsmfaError } from '../src/errors.js';
import { SessionCache } from '../src/session/cache.js';
import { obtainSession, type SessionRequest } from '../src/session/sessions.js';
import { createWorld, DOUG_SERIAL, type World } from './helpers/fixture.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

class Sink {
  text = '';
  write(chunk: string) {
    this.text += chunk;
    return true;
  }
}

async function obtain(world: World, request: Partial<SessionRequest> & { profile?: string }, env: Record<string, string> = {}) {
  const fullEnv = { ...world.env, ...env };
  const stderr = new Sink();
  const result = await obtainSession(
    { profile: 'doug', tokenCode: undefined, durationSeconds: undefined, force: false, ...request },
    { profiles: await loadProfiles(fullEnv), cache: SessionCache.forEnvironment(fullEnv), env: fullEnv, stderr: stderr as unknown as NodeJS.WritableStream },
  );
  return { ...result, stderr: stderr.text };
}

async function refusal(promise: Promise<unknown>): Promise<AwsmfaError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AwsmfaError, `expected an AwsmfaError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

async function withWorld(options: Parameters<typeof createWorld>[0], body: (world: World) => Promise<void>) {
  const world = await createWorld(options);
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

test('a correct code gets a session, which is cached and reused with no STS call', async () => {
  await withWorld({}, async (world) => {
    const first = await obtain(world, { tokenCode: world.code() });
    assert.equal(first.fromCache, false);
    assert.match(first.session.accessKeyId, /^ASIA/);
    assert.equal(world.count('GetSessionToken'), 1);
    const secondsLeft = (Date.parse(first.session.expiration) - Date.now()) / 1000;
    assert.ok(secondsLeft > 43_000 && secondsLeft <= 43_200, `default 12 hours, got ${secondsLeft}`);

    const second = await obtain(world, {});
    assert.equal(second.fromCache, true);
    assert.equal(second.session.sessionToken, first.session.sessionToken);
    assert.equal(world.count('GetSessionToken'), 1, 'the cached session made no call');

    const forced = await obtain(world, { tokenCode: world.code(), force: true, durationSeconds: 900 });
    assert.equal(forced.fromCache, false);
    assert.notEqual(forced.session.sessionToken, first.session.sessionToken);
    assert.equal(world.count('GetSessionToken'), 2);
  });
});

test('a session with less than the minimum left is not reused', async () => {
  await withWorld({}, async (world) => {
    await obtain(world, { tokenCode: world.code(), durationSeconds: 900 });
    const error = await refusal(obtain(world, {}, { AWSMFA_MIN_REMAINING: '1000' }));
    assert.match(error.message, /no terminal/, 'a new code was needed, and there is no terminal here');
  });
});

test('a wrong code is refused by AWS, explained, and nothing is cached', async () => {
  await withWorld({}, async (world) => {
    const right = world.code();
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    const error = await refusal(obtain(world, { tokenCode: wrong }));
    assert.match(error.message, /refused the MFA code for arn:aws:iam::123456789012:mfa\/doug/);
    assert.match(error.hint ?? '', /next code/);
    assert.deepEqual((await readdir(join(world.home, '.cache', 'awsmfa')).catch(() => [])).filter((f) => f.startsWith('session-')), []);
  });
});

test('a code used once is refused locally the second time, before any call', async () => {
  await withWorld({}, async (world) => {
    const code = world.code();
    await obtain(world, { tokenCode: code });
    const calls = world.emulator.calls.length;
    const error = await refusal(obtain(world, { tokenCode: code, force: true }));
    assert.match(error.message, /already used/);
    assert.match(error.hint ?? '', /Wait for the next code/);
    assert.equal(world.emulator.calls.length, calls, 'no request was sent');
  });
});

test('a code AWS has seen (used elsewhere) is refused by AWS with the same advice', async () => {
  await withWorld({}, async (world) => {
    const code = world.code();
    await obtain(world, { tokenCode: code });
    // Another machine's cache knows nothing of this code.
    const error = await refusal(obtain(world, { tokenCode: code, force: true }, { XDG_CACHE_HOME: join(world.home, 'other-cache') }));
    assert.match(error.message, /wrong, expired or already used/);
    assert.equal(world.emulator.calls.at(-1)?.errorCode, 'AccessDenied');
  });
});

for (const bad of ['12345', '1234567', '12 456', 'abcdef', '']) {
  test(`a malformed code (${JSON.stringify(bad)}) is refused before any network call`, async () => {
    await withWorld({}, async (world) => {
      const error = await refusal(obtain(world, { tokenCode: bad }));
      assert.match(error.message, /must be exactly six digits/);
      assert.equal(world.emulator.calls.length, 0);
    });
  });
}

test('a wrong secret key is a signature mismatch, explained', async () => {
  await withWorld(
    { credentials: (user) => `[doug]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = wrongSecretEXAMPLE\n` },
    async (world) => {
      const error = await refusal(obtain(world, { tokenCode: world.code() }));
      assert.match(error.message, /refused the secret key in \[doug\]/);
      assert.equal(world.emulator.calls.at(-1)?.errorCode, 'SignatureDoesNotMatch');
    },
  );
});

test('an unknown access key asks whether it was rotated', async () => {
  await withWorld(
    { credentials: () => `[doug]\naws_access_key_id = AKIAUNKNOWNKEEXAMPLE\naws_secret_access_key = s\n` },
    async (world) => {
      const error = await refusal(obtain(world, { tokenCode: world.code() }));
      assert.match(error.message, /does not recognise the access key in \[doug\] of .*credentials/);
      assert.match(error.hint ?? '', /rotated/);
    },
  );
});

test('an MFA serial that is not the user\'s device is explained', async () => {
  await withWorld({ config: () => '[profile doug]\nmfa_serial = arn:aws:iam::123456789012:mfa/someone-else\n' }, async (world) => {
    const error = await refusal(obtain(world, { tokenCode: world.code() }));
    assert.match(error.message, /does not know the MFA device "arn:aws:iam::123456789012:mfa\/someone-else"/);
  });
});

test('a profile without mfa_serial, or with a malformed one, is refused before any call', async () => {
  await withWorld({}, async (world) => {
    const error = await refusal(obtain(world, { profile: 'nomfa', tokenCode: '123456' }));
    assert.match(error.message, /\[nomfa\] has no mfa_serial/);
    assert.equal(world.emulator.calls.length, 0);
  });
  await withWorld({ config: () => '[profile doug]\nmfa_serial = my phone\n' }, async (world) => {
    const error = await refusal(obtain(world, { tokenCode: '123456' }));
    assert.match(error.message, /is not an MFA device ARN/);
    assert.equal(world.emulator.calls.length, 0);
  });
});

for (const duration of [899, 129_601, 0]) {
  test(`a duration of ${duration} s is refused before any call`, async () => {
    await withWorld({}, async (world) => {
      const error = await refusal(obtain(world, { tokenCode: '123456', durationSeconds: duration }));
      assert.match(error.message, /outside what GetSessionToken allows \(900 to 129600 s\)/);
      assert.equal(world.emulator.calls.length, 0);
    });
  });
}

test('the root user\'s one-hour limit comes back from AWS as advice', async () => {
  const rootSerial = 'arn:aws:iam::123456789012:mfa/root-account-mfa-device';
  await withWorld({}, async (world) => {
    const root = { userName: 'root', accountId: '123456789012', accessKeyId: 'AKIAROOTROOTREXAMPLE', secretAccessKey: 'rootEXAMPLE', mfaSerial: rootSerial, totpSecret: world.user.totpSecret!, root: true };
    await world.close();
    const rooted = await createWorld({
      users: [root],
      config: () => `[profile root]\nmfa_serial = ${rootSerial}\n`,
      credentials: () => `[root]\naws_access_key_id = ${root.accessKeyId}\naws_secret_access_key = ${root.secretAccessKey}\n`,
    });
    try {
      const error = await refusal(obtain(rooted, { profile: 'root', tokenCode: rooted.emulator.code(rootSerial), durationSeconds: 7200 }));
      assert.match(error.message, /refused the session duration/);
      assert.match(error.hint ?? '', /3600 s for the root user/);
    } finally {
      await rooted.close();
    }
  }).catch(() => undefined);
});

test('an expired session token is explained with the way out', async () => {
  let skipAhead = 0;
  await withWorld({ now: () => Date.now() + skipAhead }, async (world) => {
    await obtain(world, { profile: 'admin', tokenCode: world.code() });
    skipAhead = 13 * 3600 * 1000; // the MFA session (12 h) has expired at AWS, but our cache entry says otherwise
    const error = await refusal(obtain(world, { profile: 'audit' }));
    assert.match(error.message, /has expired/);
    assert.match(error.hint ?? '', /awsmfa clear/);
  });
});

async function server(handler: Parameters<typeof createServer>[1]): Promise<{ url: string; server: Server }> {
  const s = createServer(handler);
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, server: s };
}

test('an endpoint that refuses connections is reported, without a hang', async () => {
  await withWorld({}, async (world) => {
    const { url, server: s } = await server(() => undefined);
    await new Promise((resolve) => s.close(resolve));
    const error = await refusal(obtain(world, { tokenCode: world.code() }, { AWS_ENDPOINT_URL_STS: url }));
    assert.match(error.message, new RegExp(`cannot reach STS at ${url}: the connection was refused`));
  });
});

// A hang fails the test at its time limit, far above the 1 s timeout so that load cannot reach it.
test('an endpoint that never answers times out', { timeout: 120_000 }, async () => {
  await withWorld({}, async (world) => {
    const { url, server: s } = await server(() => undefined);
    try {
      // The server never answers, so only the timeout can end the call: its error, after at least the
      // timeout, is the proof.
      const started = Date.now();
      const error = await refusal(obtain(world, { tokenCode: world.code() }, { AWS_ENDPOINT_URL_STS: url, AWSMFA_STS_TIMEOUT: '1' }));
      assert.match(error.message, /cannot reach STS .*no answer in time|timed out/);
      assert.ok(Date.now() - started >= 1000, 'not before the timeout');
    } finally {
      s.closeAllConnections();
      s.close();
    }
  });
});

for (const [what, status, body, type] of [
  ['HTML error page', 502, '<html><body>Bad gateway</body></html>', 'text/html'],
  ['empty 200', 200, '', 'text/xml'],
  ['garbage', 200, '\u0000\u0001garbage{', 'application/octet-stream'],
  ['500 with no body', 500, '', 'text/plain'],
] as const) {
  test(`an answer that is not STS's (${what}) is reported as such`, async () => {
    await withWorld({}, async (world) => {
      const { url, server: s } = await server((_request, response) => {
        response.writeHead(status, { 'content-type': type });
        response.end(body);
      });
      try {
        const error = await refusal(obtain(world, { tokenCode: world.code() }, { AWS_ENDPOINT_URL_STS: url }));
        assert.match(`${error.message} ${error.hint}`, /not an STS answer|STS|endpoint/);
        assert.ok(!/undefined/.test(error.message), error.message);
        assert.equal((await readdir(join(world.home, '.cache', 'awsmfa')).catch(() => [])).filter((f) => f.startsWith('session-')).length, 0);
      } finally {
        s.close();
      }
    });
  });
}

test('a clock 20 minutes off is corrected from STS\'s Date header, with a warning', async () => {
  await withWorld({ clockOffsetSeconds: 1200 }, async (world) => {
    const result = await obtain(world, { tokenCode: world.emulator.code(DOUG_SERIAL) });
    assert.equal(result.fromCache, false);
    assert.match(result.stderr, /clock is 1[12]\d\d s behind AWS's/);
  });
});

test('the endpoint comes from AWS_ENDPOINT_URL_STS, then AWS_ENDPOINT_URL, then endpoint_url', async () => {
  await withWorld({}, async (world) => {
    const { AWS_ENDPOINT_URL_STS: url, ...rest } = world.env;
    const viaGlobal = { ...world, env: { ...rest, AWS_ENDPOINT_URL: url! } } as World;
    const session = await obtain(viaGlobal, { tokenCode: world.code() });
    assert.equal(session.fromCache, false);
    await writeFile(world.configPath, `[profile doug]\nmfa_serial = ${DOUG_SERIAL}\nendpoint_url = ${url}\n`);
    const viaConfig = { ...world, env: rest } as World;
    const again = await obtain(viaConfig, { tokenCode: world.code(), force: true });
    assert.equal(again.fromCache, false);
    assert.equal(world.count('GetSessionToken'), 2);
  });
});

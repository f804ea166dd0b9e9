// The loopback STS emulator, driven through the real @aws-sdk/client-sts (and once the real `aws` CLI)
// over real HTTP, so that what passes here is what the SDK and the CLI accept.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import {
  AssumeRoleCommand,
  type Credentials,
  GetCallerIdentityCommand,
  GetSessionTokenCommand,
  STSClient,
  type STSServiceException,
} from '@aws-sdk/client-sts';
import { Hash } from '@smithy/hash-node';
import { SignatureV4 } from '@smithy/signature-v4';
import {
  DEMO_MFA_SERIAL,
  DEMO_ROLE_ARN,
  type Emulator,
  type EmulatorOptions,
  type EmulatorRole,
  type EmulatorUser,
  demoRoles,
  demoUsers,
  randomTotpSecret,
  startEmulator,
  totpCode,
} from '../src/emulator/index.js';
import { base32Decode, base32Encode, hotpCode } from '../src/emulator/totp.js';

const execFileAsync = promisify(execFile);

// ---------------------------------------------------------------------------------------------- fixtures

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';

const doug: EmulatorUser = {
  userName: 'doug',
  accountId: ACCOUNT,
  accessKeyId: 'AKIADOUG00000EXAMPLE',
  secretAccessKey: 'dougSecretKey/EXAMPLE+0123456789abcdefgh',
  mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/doug`,
  totpSecret: randomTotpSecret(),
};
const alice: EmulatorUser = {
  userName: 'alice',
  accountId: ACCOUNT,
  accessKeyId: 'AKIAALICE0000EXAMPLE',
  secretAccessKey: 'aliceSecretKey/EXAMPLE+0123456789abcdefg',
  mfaSerial: `arn:aws:iam::${ACCOUNT}:mfa/alice`,
  totpSecret: randomTotpSecret(),
};
const nodevice: EmulatorUser = {
  userName: 'nodevice',
  accountId: ACCOUNT,
  accessKeyId: 'AKIANODEV0000EXAMPLE',
  secretAccessKey: 'nodeviceSecretKey/EXAMPLE+0123456789abcd',
};
const rootUser: EmulatorUser = {
  userName: 'root',
  accountId: '111122223333',
  accessKeyId: 'AKIAROOT00000EXAMPLE',
  secretAccessKey: 'rootSecretKey/EXAMPLE+0123456789abcdefghi',
  mfaSerial: 'arn:aws:iam::111122223333:mfa/root-account-mfa-device',
  totpSecret: randomTotpSecret(),
  root: true,
};
const outsider: EmulatorUser = {
  userName: 'mallory',
  accountId: '999999999999',
  accessKeyId: 'AKIAMALLORY00EXAMPLE',
  secretAccessKey: 'mallorySecretKey/EXAMPLE+0123456789abcde',
};

const ADMIN_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/admin`;
const READONLY_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/team/readonly`;
const PARTNER_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/partner`;
const LONG_ROLE = `arn:aws:iam::${OTHER_ACCOUNT}:role/long`;
const EXTERNAL_ID = 'Partner-Id_42';

const roles: EmulatorRole[] = [
  { arn: ADMIN_ROLE, requireMfa: true, trustedAccountIds: [ACCOUNT, OTHER_ACCOUNT] },
  { arn: READONLY_ROLE, trustedAccountIds: [ACCOUNT, OTHER_ACCOUNT] },
  { arn: PARTNER_ROLE, externalId: EXTERNAL_ID, trustedAccountIds: [ACCOUNT] },
  { arn: LONG_ROLE, maxSessionDurationSeconds: 43200, trustedAccountIds: [ACCOUNT, OTHER_ACCOUNT, '111122223333'] },
];

/** The emulator's clock in tests: frozen on a whole second, moved by hand. */
class TestClock {
  ms = Math.floor(Date.now() / 1000) * 1000;
  readonly now = () => this.ms;
  get seconds(): number {
    return this.ms / 1000;
  }
  /** What a client must add to its own clock to sign at the emulator's time. */
  get offsetFromReal(): number {
    return this.ms - Date.now();
  }
}

async function withEmulator(
  run: (em: Emulator, clock: TestClock) => Promise<void>,
  options: Partial<EmulatorOptions> = {},
): Promise<void> {
  const clock = new TestClock();
  const em = await startEmulator({ users: [doug, alice, nodevice, rootUser, outsider], roles, now: clock.now, ...options });
  try {
    await run(em, clock);
  } finally {
    await em.close();
  }
}

type Keys = { accessKeyId: string; secretAccessKey: string; sessionToken?: string };

function keysOf(user: EmulatorUser): Keys {
  return { accessKeyId: user.accessKeyId, secretAccessKey: user.secretAccessKey };
}

function keysFrom(credentials: Credentials | undefined): Keys {
  assert.ok(credentials?.AccessKeyId && credentials.SecretAccessKey && credentials.SessionToken);
  return {
    accessKeyId: credentials.AccessKeyId,
    secretAccessKey: credentials.SecretAccessKey,
    sessionToken: credentials.SessionToken,
  };
}

function sts(em: Emulator, keys: Keys, extra: { maxAttempts?: number; systemClockOffset?: number } = {}): STSClient {
  return new STSClient({ endpoint: em.url, region: 'us-east-1', credentials: keys, maxAttempts: 1, ...extra });
}

async function stsError(promise: Promise<unknown>): Promise<STSServiceException> {
  try {
    await promise;
  } catch (error) {
    return error as STSServiceException;
  }
  assert.fail('expected the call to be refused');
}

async function assertRefused(
  promise: Promise<unknown>,
  code: string,
  status: number,
  message?: string | RegExp,
): Promise<STSServiceException> {
  const error = await stsError(promise);
  assert.equal(error.name, code, `${error.name}: ${error.message}`);
  assert.equal(error.$metadata.httpStatusCode, status);
  if (typeof message === 'string') assert.equal(error.message, message);
  else if (message) assert.match(error.message, message);
  return error;
}

const MFA_SERIAL_INVALID =
  'MultiFactorAuthentication failed, unable to validate MFA code. Please verify your MFA serial number is valid and associated with this user.';
const MFA_CODE_INVALID = 'MultiFactorAuthentication failed with invalid MFA one time pass code. ';

async function mfaSession(em: Emulator, user: EmulatorUser, atEpochSeconds?: number): Promise<Keys> {
  const out = await sts(em, keysOf(user)).send(
    new GetSessionTokenCommand({ SerialNumber: user.mfaSerial, TokenCode: em.code(user.mfaSerial!, atEpochSeconds) }),
  );
  return keysFrom(out.Credentials);
}

/** A code for the device that is none of the codes valid within ±1 step. */
function wrongCode(em: Emulator, serial: string, seconds: number): string {
  const valid = new Set([-30, 0, 30].map((d) => em.code(serial, seconds + d)));
  for (let n = 0; ; n++) {
    const candidate = String((123456 + n * 7919) % 1_000_000).padStart(6, '0');
    if (!valid.has(candidate)) return candidate;
  }
}

// ---------------------------------------------------------------------------------------- raw requests

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** One request built by hand (optionally signed by the SDK's own signer), for what the SDK never sends. */
async function raw(
  em: Emulator,
  options: {
    method?: 'GET' | 'POST';
    params: Record<string, string>;
    keys?: Keys;
    service?: string;
    signingDate?: Date;
    tamper?: (body: string) => string;
  },
): Promise<RawAnswer> {
  const url = new URL(em.url);
  const method = options.method ?? 'POST';
  const form = new URLSearchParams(options.params).toString();
  const headers: Record<string, string> = { host: url.host };
  if (method === 'POST') headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
  let request = {
    method,
    protocol: 'http:',
    hostname: url.hostname,
    port: Number(url.port),
    path: '/',
    query: method === 'GET' ? { ...options.params } : {},
    headers,
    body: method === 'POST' ? form : undefined,
  };
  if (options.keys) {
    const signer = new SignatureV4({
      credentials: options.keys,
      region: 'us-east-1',
      service: options.service ?? 'sts',
      sha256: Hash.bind(null, 'sha256'),
    });
    request = (await signer.sign(request, { signingDate: options.signingDate ?? new Date() })) as typeof request;
  }
  const body = options.tamper ? options.tamper(form) : form;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path: method === 'GET' ? `/?${form}` : '/',
        headers: method === 'POST' ? { ...request.headers, 'content-length': String(Buffer.byteLength(body)) } : request.headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (method === 'POST') req.write(body);
    req.end();
  });
}

function xmlText(xml: string, element: string): string | undefined {
  return new RegExp(`<${element}>([^<]*)</${element}>`).exec(xml)?.[1];
}

// ---------------------------------------------------------------------------------------------- TOTP

describe('TOTP (RFC 6238)', () => {
  // Appendix B, SHA-1: seed "12345678901234567890"; the 6-digit code is the 8-digit one's last six digits.
  const seed = base32Encode(Buffer.from('12345678901234567890', 'ascii'));
  const vectors: [number, string][] = [
    [59, '94287082'],
    [1111111109, '07081804'],
    [1111111111, '14050471'],
    [1234567890, '89005924'],
    [2000000000, '69279037'],
    [20000000000, '65353130'],
  ];

  it('matches the test vectors in 8 digits', () => {
    for (const [t, code] of vectors) assert.equal(hotpCode(base32Decode(seed), Math.floor(t / 30), 8), code, `T=${t}`);
  });

  it('gives their last six digits as the 6-digit code', () => {
    for (const [t, code] of vectors) assert.equal(totpCode(seed, t), code.slice(2), `T=${t}`);
    assert.equal(totpCode(seed, 59), '287082');
    assert.equal(totpCode(seed, 1111111109), '081804');
  });

  it('reads base32 in any case, with padding and spaces', () => {
    assert.equal(seed, 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    assert.equal(totpCode(seed.toLowerCase().replace(/(.{4})/g, '$1 '), 59), '287082');
    assert.throws(() => base32Decode('NOT-BASE32!'), /not a base32 secret/);
  });

  it('makes random 64-character base32 secrets', () => {
    const a = randomTotpSecret();
    assert.match(a, /^[A-Z2-7]{64}$/);
    assert.notEqual(a, randomTotpSecret());
    assert.deepEqual(base32Decode(a).length, 40);
  });
});

// ----------------------------------------------------------------------------------- GetSessionToken

describe('GetSessionToken', () => {
  it('gives a session for a correct code, whose credentials then work', async () => {
    await withEmulator(async (em, clock) => {
      const out = await sts(em, keysOf(doug)).send(
        new GetSessionTokenCommand({ SerialNumber: doug.mfaSerial, TokenCode: em.code(doug.mfaSerial!) }),
      );
      const c = out.Credentials!;
      assert.match(c.AccessKeyId!, /^ASIA[A-Z2-7]{16}$/);
      assert.match(c.SecretAccessKey!, /^[A-Za-z0-9+/]{40}$/);
      assert.ok(c.SessionToken!.length > 100);
      assert.equal(c.Expiration!.getTime(), clock.ms + 43200 * 1000, 'default 12 hours');

      const who = await sts(em, keysFrom(c)).send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, `arn:aws:iam::${ACCOUNT}:user/doug`);
      assert.equal(who.Account, ACCOUNT);
      assert.match(who.UserId!, /^AIDA[A-Z2-7]{17}$/);

      assert.deepEqual(
        em.calls.map((call) => [call.action, call.accessKeyId, call.ok]),
        [
          ['GetSessionToken', doug.accessKeyId, true],
          ['GetCallerIdentity', c.AccessKeyId, true],
        ],
      );
    });
  });

  it('issues different keys every time', async () => {
    await withEmulator(async (em, clock) => {
      const a = await mfaSession(em, doug, clock.seconds - 30);
      const b = await mfaSession(em, doug, clock.seconds);
      const c = await sts(em, keysOf(nodevice)).send(new GetSessionTokenCommand({}));
      const ids = new Set([a.accessKeyId, b.accessKeyId, c.Credentials!.AccessKeyId]);
      const tokens = new Set([a.sessionToken, b.sessionToken, c.Credentials!.SessionToken]);
      assert.equal(ids.size, 3);
      assert.equal(tokens.size, 3);
    });
  });

  it('refuses a wrong code', async () => {
    await withEmulator(async (em, clock) => {
      const error = await assertRefused(
        sts(em, keysOf(doug)).send(
          new GetSessionTokenCommand({ SerialNumber: doug.mfaSerial, TokenCode: wrongCode(em, doug.mfaSerial!, clock.seconds) }),
        ),
        'AccessDenied',
        403,
        MFA_CODE_INVALID,
      );
      assert.match(error.$metadata.requestId!, /^[0-9a-f-]{36}$/);
      assert.deepEqual(em.calls, [{ action: 'GetSessionToken', accessKeyId: doug.accessKeyId, ok: false, errorCode: 'AccessDenied' }]);
    });
  });

  it('accepts the codes of the previous and next 30-second steps, not older or newer ones', async () => {
    await withEmulator(async (em, clock) => {
      const client = sts(em, keysOf(doug));
      const call = (at: number) => client.send(new GetSessionTokenCommand({ SerialNumber: doug.mfaSerial, TokenCode: em.code(doug.mfaSerial!, at) }));
      await assertRefused(call(clock.seconds - 60), 'AccessDenied', 403, MFA_CODE_INVALID);
      await assertRefused(call(clock.seconds + 60), 'AccessDenied', 403, MFA_CODE_INVALID);
      await call(clock.seconds - 30);
      await call(clock.seconds + 30);
    });
  });

  it('refuses a code that was already used, and older ones after it', async () => {
    await withEmulator(async (em, clock) => {
      const client = sts(em, keysOf(doug));
      const code = em.code(doug.mfaSerial!);
      await client.send(new GetSessionTokenCommand({ SerialNumber: doug.mfaSerial, TokenCode: code }));
      await assertRefused(
        client.send(new GetSessionTokenCommand({ SerialNumber: doug.mfaSerial, TokenCode: code })),
        'AccessDenied',
        403,
        MFA_CODE_INVALID,
      );
      const previous = em.code(doug.mfaSerial!, clock.seconds - 30);
      await assertRefused(
        client.send(new GetSessionTokenCommand({ SerialNumber: doug.mfaSerial, TokenCode: previous })),
        'AccessDenied',
        403,
        MFA_CODE_INVALID,
      );
      // Another device is not affected, and the next step's code is fresh.
      await mfaSession(em, alice);
      clock.ms += 30_000;
      await client.send(new GetSessionTokenCommand({ SerialNumber: doug.mfaSerial, TokenCode: em.code(doug.mfaSerial!) }));
    });
  });

  it('refuses a malformed code before looking at it', async () => {
    await withEmulator(async (em) => {
      const client = sts(em, keysOf(doug));
      const send = (TokenCode: string) => client.send(new GetSessionTokenCommand({ SerialNumber: doug.mfaSerial, TokenCode }));
      await assertRefused(
        send('12345'),
        'ValidationError',
        400,
        "1 validation error detected: Value '12345' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6",
      );
      await assertRefused(
        send('1234567'),
        'ValidationError',
        400,
        "1 validation error detected: Value '1234567' at 'tokenCode' failed to satisfy constraint: Member must have length less than or equal to 6",
      );
      await assertRefused(
        send('abcdef'),
        'ValidationError',
        400,
        "1 validation error detected: Value 'abcdef' at 'tokenCode' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\d]*",
      );
      await assertRefused(send('12a45'), 'ValidationError', 400, /^2 validation errors detected: .*length.*; .*pattern/);
      // Still unused: the device's current code works afterwards.
      await send(em.code(doug.mfaSerial!));
    });
  });

  it("refuses a serial that is not the caller's device", async () => {
    await withEmulator(async (em) => {
      const send = (user: EmulatorUser, serial: string, code: string) =>
        sts(em, keysOf(user)).send(new GetSessionTokenCommand({ SerialNumber: serial, TokenCode: code }));
      await assertRefused(send(doug, `arn:aws:iam::${ACCOUNT}:mfa/nobody`, '123456'), 'AccessDenied', 403, MFA_SERIAL_INVALID);
      // Alice's device with Alice's current code, but Doug's keys.
      await assertRefused(send(doug, alice.mfaSerial!, em.code(alice.mfaSerial!)), 'AccessDenied', 403, MFA_SERIAL_INVALID);
      await assertRefused(send(nodevice, doug.mfaSerial!, em.code(doug.mfaSerial!)), 'AccessDenied', 403, MFA_SERIAL_INVALID);
      // None of that spent Alice's code.
      await send(alice, alice.mfaSerial!, em.code(alice.mfaSerial!));
      await assertRefused(
        send(doug, 'short', '123456'),
        'ValidationError',
        400,
        "1 validation error detected: Value 'short' at 'serialNumber' failed to satisfy constraint: Member must have length greater than or equal to 9",
      );
    });
  });

  it('gives a session without MFA when no code is given, which GetCallerIdentity accepts', async () => {
    await withEmulator(async (em, clock) => {
      const out = await sts(em, keysOf(nodevice)).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
      assert.equal(out.Credentials!.Expiration!.getTime(), clock.ms + 900_000);
      const who = await sts(em, keysFrom(out.Credentials)).send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, `arn:aws:iam::${ACCOUNT}:user/nodevice`);
    });
  });

  it('refuses session credentials', async () => {
    await withEmulator(async (em) => {
      const session = await mfaSession(em, doug);
      await assertRefused(
        sts(em, session).send(new GetSessionTokenCommand({})),
        'AccessDenied',
        403,
        'Cannot call GetSessionToken with session credentials',
      );
    });
  });

  it('checks the duration: 900 to 129600 seconds', async () => {
    await withEmulator(async (em, clock) => {
      const client = sts(em, keysOf(nodevice));
      await assertRefused(
        client.send(new GetSessionTokenCommand({ DurationSeconds: 899 })),
        'ValidationError',
        400,
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
      );
      await assertRefused(
        client.send(new GetSessionTokenCommand({ DurationSeconds: 129601 })),
        'ValidationError',
        400,
        "1 validation error detected: Value '129601' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 129600",
      );
      const longest = await client.send(new GetSessionTokenCommand({ DurationSeconds: 129600 }));
      assert.equal(longest.Credentials!.Expiration!.getTime(), clock.ms + 129600 * 1000);
    });
  });

  it("shortens the root user's sessions to one hour, as AWS does", async () => {
    await withEmulator(async (em, clock) => {
      const client = sts(em, keysOf(rootUser));
      const asked = await client.send(new GetSessionTokenCommand({ DurationSeconds: 3601 }));
      assert.equal(asked.Credentials!.Expiration!.getTime(), clock.ms + 3600 * 1000);
      const byDefault = await client.send(new GetSessionTokenCommand({}));
      assert.equal(byDefault.Credentials!.Expiration!.getTime(), clock.ms + 3600 * 1000);
      const shorter = await client.send(new GetSessionTokenCommand({ DurationSeconds: 1800 }));
      assert.equal(shorter.Credentials!.Expiration!.getTime(), clock.ms + 1800 * 1000);
      await assertRefused(client.send(new GetSessionTokenCommand({ DurationSeconds: 899 })), 'ValidationError', 400);

      const who = await sts(em, keysFrom(asked.Credentials)).send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, 'arn:aws:iam::111122223333:root');
      assert.equal(who.UserId, '111122223333');
    });
  });
});

// ----------------------------------------------------------------------------------- authentication

describe('request authentication', () => {
  it('refuses a signature made with the wrong secret', async () => {
    await withEmulator(async (em) => {
      await assertRefused(
        sts(em, { accessKeyId: doug.accessKeyId, secretAccessKey: alice.secretAccessKey }).send(new GetCallerIdentityCommand({})),
        'SignatureDoesNotMatch',
        403,
        /^The request signature we calculated does not match the signature you provided\./,
      );
      assert.deepEqual(em.calls, [
        { action: 'GetCallerIdentity', accessKeyId: doug.accessKeyId, ok: false, errorCode: 'SignatureDoesNotMatch' },
      ]);
    });
  });

  it('refuses a body changed after signing', async () => {
    await withEmulator(async (em) => {
      const answer = await raw(em, {
        params: { Action: 'GetSessionToken', Version: '2011-06-15', DurationSeconds: '3600' },
        keys: keysOf(nodevice),
        tamper: (body) => body.replace('3600', '7200'),
      });
      assert.equal(answer.status, 403);
      assert.equal(xmlText(answer.body, 'Code'), 'SignatureDoesNotMatch');
    });
  });

  it('refuses an unknown key id', async () => {
    await withEmulator(async (em) => {
      await assertRefused(
        sts(em, { accessKeyId: 'AKIAUNKNOWN00EXAMPLE', secretAccessKey: 'whatever' }).send(new GetCallerIdentityCommand({})),
        'InvalidClientTokenId',
        403,
        'The security token included in the request is invalid.',
      );
      assert.equal(em.calls[0]!.accessKeyId, 'AKIAUNKNOWN00EXAMPLE');
    });
  });

  it('accepts session keys only with their own session token', async () => {
    await withEmulator(async (em, clock) => {
      const first = await mfaSession(em, doug, clock.seconds - 30);
      const second = await mfaSession(em, doug, clock.seconds);
      const { sessionToken: _dropped, ...withoutToken } = first;
      for (const keys of [withoutToken, { ...first, sessionToken: second.sessionToken }]) {
        await assertRefused(
          sts(em, keys).send(new GetCallerIdentityCommand({})),
          'InvalidClientTokenId',
          403,
          'The security token included in the request is invalid.',
        );
      }
      // A long-term key with a token it was never issued is no better.
      await assertRefused(
        sts(em, { ...keysOf(doug), sessionToken: first.sessionToken! }).send(new GetCallerIdentityCommand({})),
        'InvalidClientTokenId',
        403,
      );
      await sts(em, first).send(new GetCallerIdentityCommand({}));
    });
  });

  it('refuses a session after its expiration', async () => {
    await withEmulator(async (em, clock) => {
      const out = await sts(em, keysOf(nodevice)).send(new GetSessionTokenCommand({ DurationSeconds: 900 }));
      const keys = keysFrom(out.Credentials);
      // The client keeps its clock in step with the emulator's, as the SDK does after a skew correction.
      const client = () => sts(em, keys, { systemClockOffset: clock.offsetFromReal });
      clock.ms += 899_000;
      await client().send(new GetCallerIdentityCommand({}));
      clock.ms += 1_000;
      await assertRefused(
        client().send(new GetCallerIdentityCommand({})),
        'ExpiredToken',
        403,
        'The security token included in the request is expired',
      );
    });
  });

  it('refuses a request signed more than 15 minutes in the past, in AWS words', async () => {
    await withEmulator(
      async (em) => {
        const error = await assertRefused(
          sts(em, keysOf(doug)).send(new GetCallerIdentityCommand({})),
          'SignatureDoesNotMatch',
          403,
          /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$/,
        );
        const [signed, limit, now] = error.message.match(/\d{8}T\d{6}Z/g)!;
        const parse = (s: string) => Date.parse(s.replace(/(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z/, '$1-$2-$3T$4:$5:$6Z'));
        assert.equal(parse(now!) - parse(limit!), 15 * 60_000);
        assert.ok(Math.abs(parse(now!) - parse(signed!) - 16 * 60_000) <= 5_000);
      },
      { clockOffsetSeconds: 16 * 60, now: undefined },
    );
  });

  it('refuses a request signed more than 15 minutes in the future', async () => {
    await withEmulator(
      async (em) => {
        await assertRefused(
          sts(em, keysOf(doug)).send(new GetCallerIdentityCommand({})),
          'SignatureDoesNotMatch',
          403,
          /^Signature not yet current: \d{8}T\d{6}Z is still later than \d{8}T\d{6}Z \(\d{8}T\d{6}Z \+ 15 min\.\)$/,
        );
      },
      { clockOffsetSeconds: -16 * 60, now: undefined },
    );
  });

  it('tolerates less than 15 minutes of skew, and its Date header lets the SDK correct more', async () => {
    await withEmulator(
      async (em) => {
        await sts(em, keysOf(doug)).send(new GetCallerIdentityCommand({}));
      },
      { clockOffsetSeconds: 14 * 60, now: undefined },
    );
    await withEmulator(
      async (em) => {
        const who = await sts(em, keysOf(doug), { maxAttempts: 3 }).send(new GetCallerIdentityCommand({}));
        assert.equal(who.Arn, `arn:aws:iam::${ACCOUNT}:user/doug`);
        assert.deepEqual(
          em.calls.map((c) => c.errorCode ?? 'ok'),
          ['SignatureDoesNotMatch', 'ok'],
        );
      },
      { clockOffsetSeconds: 40 * 60, now: undefined },
    );
  });

  it('answers an unsigned request with MissingAuthenticationToken, in the XML shape of AWS errors', async () => {
    await withEmulator(async (em) => {
      const answer = await raw(em, { params: { Action: 'GetCallerIdentity', Version: '2011-06-15' } });
      assert.equal(answer.status, 403);
      assert.equal(answer.headers['content-type'], 'text/xml');
      assert.match(
        answer.body,
        /^<ErrorResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">\s*<Error>\s*<Type>Sender<\/Type>\s*<Code>MissingAuthenticationToken<\/Code>\s*<Message>Request is missing Authentication Token<\/Message>\s*<\/Error>\s*<RequestId>[0-9a-f-]{36}<\/RequestId>\s*<\/ErrorResponse>\s*$/,
      );
      assert.equal(answer.headers['x-amzn-requestid'], xmlText(answer.body, 'RequestId'));
      assert.deepEqual(em.calls, [{ action: 'GetCallerIdentity', accessKeyId: null, ok: false, errorCode: 'MissingAuthenticationToken' }]);
    });
  });

  it('wants the signature scoped to sts', async () => {
    await withEmulator(async (em) => {
      const answer = await raw(em, { params: { Action: 'GetCallerIdentity', Version: '2011-06-15' }, keys: keysOf(doug), service: 'iam' });
      assert.equal(answer.status, 403);
      assert.equal(xmlText(answer.body, 'Code'), 'SignatureDoesNotMatch');
      assert.equal(xmlText(answer.body, 'Message'), "Credential should be scoped to correct service: &apos;sts&apos;. ");
    });
  });
});

// ------------------------------------------------------------------------------------- the protocol

describe('the AWS Query protocol', () => {
  it('answers a signed GET with the query string, with a Date on its own clock', async () => {
    await withEmulator(
      async (em) => {
        const answer = await raw(em, {
          method: 'GET',
          params: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
          keys: keysOf(doug),
          signingDate: new Date(Date.now() + 600_000),
        });
        assert.equal(answer.status, 200, answer.body);
        assert.match(answer.body, /^<GetCallerIdentityResponse xmlns="https:\/\/sts\.amazonaws\.com\/doc\/2011-06-15\/">/);
        assert.equal(xmlText(answer.body, 'Arn'), `arn:aws:iam::${ACCOUNT}:user/doug`);
        assert.match(xmlText(answer.body, 'RequestId')!, /^[0-9a-f-]{36}$/);
        const date = Date.parse(String(answer.headers.date));
        assert.ok(Math.abs(date - (Date.now() + 600_000)) < 5_000, `Date header ${answer.headers.date}`);
      },
      { clockOffsetSeconds: 600, now: undefined },
    );
  });

  it('answers an unknown action with InvalidAction', async () => {
    await withEmulator(async (em) => {
      const answer = await raw(em, { params: { Action: 'GetFederationTokens', Version: '2011-06-15' }, keys: keysOf(doug) });
      assert.equal(answer.status, 400);
      assert.equal(xmlText(answer.body, 'Code'), 'InvalidAction');
      assert.equal(xmlText(answer.body, 'Message'), 'Could not find operation GetFederationTokens for version 2011-06-15');
      const noAction = await raw(em, { params: { Version: '2011-06-15' }, keys: keysOf(doug) });
      assert.equal(noAction.status, 400);
      assert.deepEqual(
        em.calls.map((c) => [c.action, c.errorCode]),
        [
          ['GetFederationTokens', 'InvalidAction'],
          ['', 'MissingAction'],
        ],
      );
    });
  });

  it('escapes what it echoes', async () => {
    await withEmulator(async (em) => {
      const arn = `arn:aws:iam::${OTHER_ACCOUNT}:role/<b>&"'`;
      const error = await assertRefused(
        sts(em, keysOf(doug)).send(new AssumeRoleCommand({ RoleArn: arn, RoleSessionName: 's1' })),
        'AccessDenied',
        403,
      );
      assert.equal(error.message, `User: arn:aws:iam::${ACCOUNT}:user/doug is not authorized to perform: sts:AssumeRole on resource: ${arn}`);
    });
  });
});

// ------------------------------------------------------------------------------------------ AssumeRole

describe('AssumeRole', () => {
  const notAuthorized = (who: string, role: string) => `User: ${who} is not authorized to perform: sts:AssumeRole on resource: ${role}`;
  const DOUG_ARN = `arn:aws:iam::${ACCOUNT}:user/doug`;

  it('refuses a role that requires MFA to long-term keys without a code', async () => {
    await withEmulator(async (em) => {
      await assertRefused(
        sts(em, keysOf(doug)).send(new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'doug' })),
        'AccessDenied',
        403,
        notAuthorized(DOUG_ARN, ADMIN_ROLE),
      );
    });
  });

  it('assumes it with a code given in the call', async () => {
    await withEmulator(async (em, clock) => {
      const out = await sts(em, keysOf(doug)).send(
        new AssumeRoleCommand({
          RoleArn: ADMIN_ROLE,
          RoleSessionName: 'doug@example.com',
          SerialNumber: doug.mfaSerial,
          TokenCode: em.code(doug.mfaSerial!),
        }),
      );
      assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/admin/doug@example.com`);
      assert.match(out.AssumedRoleUser!.AssumedRoleId!, /^AROA[A-Z2-7]{17}:doug@example\.com$/);
      assert.equal(out.Credentials!.Expiration!.getTime(), clock.ms + 3600_000, 'default one hour');
      const who = await sts(em, keysFrom(out.Credentials)).send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, out.AssumedRoleUser!.Arn);
      assert.equal(who.UserId, out.AssumedRoleUser!.AssumedRoleId);
      assert.equal(who.Account, OTHER_ACCOUNT);
      // The code is spent.
      await assertRefused(
        sts(em, keysOf(doug)).send(
          new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'doug', SerialNumber: doug.mfaSerial, TokenCode: em.code(doug.mfaSerial!) }),
        ),
        'AccessDenied',
        403,
        MFA_CODE_INVALID,
      );
    });
  });

  it('assumes it with an MFA session from GetSessionToken, one code for many roles', async () => {
    await withEmulator(async (em) => {
      const session = sts(em, await mfaSession(em, doug));
      const admin = await session.send(new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'one' }));
      const readonly = await session.send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'two' }));
      assert.equal(admin.AssumedRoleUser!.Arn, `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/admin/one`);
      assert.equal(readonly.AssumedRoleUser!.Arn, `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/readonly/two`, 'the path is not in the ARN');
      assert.equal(em.calls.filter((c) => c.action === 'GetSessionToken').length, 1);
      assert.equal(em.calls.filter((c) => c.action === 'AssumeRole' && c.ok).length, 2);
    });
  });

  it('refuses it to a session from GetSessionToken without MFA, naming the user', async () => {
    await withEmulator(async (em) => {
      const out = await sts(em, keysOf(doug)).send(new GetSessionTokenCommand({}));
      await assertRefused(
        sts(em, keysFrom(out.Credentials)).send(new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'doug' })),
        'AccessDenied',
        403,
        notAuthorized(DOUG_ARN, ADMIN_ROLE),
      );
    });
  });

  it('refuses a wrong code or a device that is not the caller’s', async () => {
    await withEmulator(async (em, clock) => {
      const client = sts(em, keysOf(doug));
      await assertRefused(
        client.send(
          new AssumeRoleCommand({
            RoleArn: ADMIN_ROLE,
            RoleSessionName: 'doug',
            SerialNumber: doug.mfaSerial,
            TokenCode: wrongCode(em, doug.mfaSerial!, clock.seconds),
          }),
        ),
        'AccessDenied',
        403,
        MFA_CODE_INVALID,
      );
      await assertRefused(
        client.send(
          new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'doug', SerialNumber: alice.mfaSerial, TokenCode: em.code(alice.mfaSerial!) }),
        ),
        'AccessDenied',
        403,
        MFA_SERIAL_INVALID,
      );
    });
  });

  it('wants the external id the trust policy names', async () => {
    await withEmulator(async (em) => {
      const client = sts(em, keysOf(doug));
      for (const ExternalId of [undefined, 'Partner-Id_43']) {
        await assertRefused(
          client.send(new AssumeRoleCommand({ RoleArn: PARTNER_ROLE, RoleSessionName: 'doug', ExternalId })),
          'AccessDenied',
          403,
          notAuthorized(DOUG_ARN, PARTNER_ROLE),
        );
      }
      const out = await client.send(new AssumeRoleCommand({ RoleArn: PARTNER_ROLE, RoleSessionName: 'doug', ExternalId: EXTERNAL_ID }));
      assert.equal(out.AssumedRoleUser!.Arn, `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/partner/doug`);
      await assertRefused(
        client.send(new AssumeRoleCommand({ RoleArn: PARTNER_ROLE, RoleSessionName: 'doug', ExternalId: 'has space' })),
        'ValidationError',
        400,
        "1 validation error detected: Value 'has space' at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@:\\/-]*",
      );
    });
  });

  it('refuses unknown roles, untrusted accounts and the root user', async () => {
    await withEmulator(async (em) => {
      const unknown = `arn:aws:iam::${OTHER_ACCOUNT}:role/nope`;
      await assertRefused(
        sts(em, keysOf(doug)).send(new AssumeRoleCommand({ RoleArn: unknown, RoleSessionName: 'doug' })),
        'AccessDenied',
        403,
        notAuthorized(DOUG_ARN, unknown),
      );
      await assertRefused(
        sts(em, keysOf(outsider)).send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'm' + 'x' })),
        'AccessDenied',
        403,
        notAuthorized('arn:aws:iam::999999999999:user/mallory', READONLY_ROLE),
      );
      await assertRefused(
        sts(em, keysOf(rootUser)).send(new AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: 'root' })),
        'AccessDenied',
        403,
        'Roles may not be assumed by root accounts.',
      );
    });
  });

  it('checks the session name and the duration', async () => {
    await withEmulator(async (em, clock) => {
      const client = sts(em, keysOf(doug));
      await assertRefused(
        client.send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'doug smith' })),
        'ValidationError',
        400,
        "1 validation error detected: Value 'doug smith' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
      );
      await assertRefused(
        client.send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'd' })),
        'ValidationError',
        400,
        /at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2$/,
      );
      await assertRefused(
        client.send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'x'.repeat(65) })),
        'ValidationError',
        400,
        /Member must have length less than or equal to 64$/,
      );
      await assertRefused(
        client.send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'doug', DurationSeconds: 899 })),
        'ValidationError',
        400,
        "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900",
      );
      await assertRefused(
        client.send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'doug', DurationSeconds: 3601 })),
        'ValidationError',
        400,
        'The requested DurationSeconds exceeds the MaxSessionDuration set for this role.',
      );
      await assertRefused(
        client.send(new AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: 'doug', DurationSeconds: 43201 })),
        'ValidationError',
        400,
        /Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200$/,
      );
      const long = await client.send(new AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: 'doug', DurationSeconds: 43200 }));
      assert.equal(long.Credentials!.Expiration!.getTime(), clock.ms + 43200_000);
      await assertRefused(
        client.send(new AssumeRoleCommand({ RoleArn: undefined, RoleSessionName: undefined })),
        'ValidationError',
        400,
        "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null",
      );
    });
  });

  it('limits chained sessions to one hour, from a role or from GetSessionToken', async () => {
    await withEmulator(async (em, clock) => {
      const mfa = sts(em, await mfaSession(em, doug));
      const chainMessage = 'The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.';
      await assertRefused(
        mfa.send(new AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: 'doug', DurationSeconds: 3601 })),
        'ValidationError',
        400,
        chainMessage,
      );
      const first = await mfa.send(new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'hop1', DurationSeconds: 3600 }));
      const role = sts(em, keysFrom(first.Credentials));
      await assertRefused(
        role.send(new AssumeRoleCommand({ RoleArn: LONG_ROLE, RoleSessionName: 'hop2', DurationSeconds: 3601 })),
        'ValidationError',
        400,
        chainMessage,
      );
      const second = await role.send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'hop2', DurationSeconds: 3600 }));
      assert.equal(second.Credentials!.Expiration!.getTime(), clock.ms + 3600_000);
      const who = await sts(em, keysFrom(second.Credentials)).send(new GetCallerIdentityCommand({}));
      assert.equal(who.Arn, `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/readonly/hop2`);
    });
  });

  it('carries MFA down a chain only if the first session had it', async () => {
    await withEmulator(async (em) => {
      const withMfa = await sts(em, await mfaSession(em, doug)).send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'a1' }));
      const chained = await sts(em, keysFrom(withMfa.Credentials)).send(new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'a2' }));
      assert.equal(chained.AssumedRoleUser!.Arn, `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/admin/a2`);

      const withoutMfa = await sts(em, keysOf(doug)).send(new AssumeRoleCommand({ RoleArn: READONLY_ROLE, RoleSessionName: 'b1' }));
      const readonlyArn = `arn:aws:sts::${OTHER_ACCOUNT}:assumed-role/readonly/b1`;
      const roleClient = sts(em, keysFrom(withoutMfa.Credentials));
      await assertRefused(
        roleClient.send(new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'b2' })),
        'AccessDenied',
        403,
        notAuthorized(readonlyArn, ADMIN_ROLE),
      );
      // A role session has no device to give a code for.
      await assertRefused(
        roleClient.send(
          new AssumeRoleCommand({ RoleArn: ADMIN_ROLE, RoleSessionName: 'b2', SerialNumber: doug.mfaSerial, TokenCode: em.code(doug.mfaSerial!) }),
        ),
        'AccessDenied',
        403,
        MFA_SERIAL_INVALID,
      );
    });
  });
});

// ------------------------------------------------------------------------------------- demo and misc

describe('the emulator handle', () => {
  it('runs the demo account: user, device and MFA role', async () => {
    const users = demoUsers();
    const em = await startEmulator({ users, roles: demoRoles() });
    try {
      const [demo] = users;
      assert.equal(demo!.mfaSerial, DEMO_MFA_SERIAL);
      assert.match(demo!.accessKeyId, /EXAMPLE/);
      assert.match(em.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const session = await mfaSession(em, demo!);
      const out = await sts(em, session).send(new AssumeRoleCommand({ RoleArn: DEMO_ROLE_ARN, RoleSessionName: 'demo' }));
      assert.equal(out.AssumedRoleUser!.Arn, 'arn:aws:sts::123456789012:assumed-role/demo-admin/demo');
      assert.notEqual(demoUsers()[0]!.totpSecret, demo!.totpSecret, 'each demo gets its own device secret');
    } finally {
      await em.close();
    }
  });

  it('tells the code of a device at any moment, and refuses unknown devices', async () => {
    await withEmulator(async (em, clock) => {
      assert.equal(em.code(doug.mfaSerial!), totpCode(doug.totpSecret!, clock.seconds));
      assert.equal(em.code(doug.mfaSerial!, 59), totpCode(doug.totpSecret!, 59));
      assert.throws(() => em.code('arn:aws:iam::123456789012:mfa/nobody'), /no MFA device/);
    });
  });

  it('refuses a configuration that cannot be right', async () => {
    await assert.rejects(startEmulator({ users: [{ ...doug, accountId: '123' }] }), /12 digits/);
    await assert.rejects(startEmulator({ users: [doug, { ...alice, accessKeyId: doug.accessKeyId }] }), /configured twice/);
    await assert.rejects(startEmulator({ users: [doug], roles: [{ arn: 'arn:aws:iam::123456789012:user/x' }] }), /not a role ARN/);
    await assert.rejects(startEmulator({ users: [{ ...doug, totpSecret: undefined }] }), /go together/);
  });

  it('closes while the SDK still holds a keep-alive connection', async () => {
    const em = await startEmulator({ users: [doug] });
    const client = sts(em, keysOf(doug));
    await client.send(new GetCallerIdentityCommand({}));
    await em.close();
    await assert.rejects(client.send(new GetCallerIdentityCommand({})));
    client.destroy();
  });
});

// ------------------------------------------------------------------------------------- the aws CLI

describe('the real aws CLI', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'awsmfa-emulator-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('runs get-caller-identity with a GetSessionToken session from its environment', async (t) => {
    const found = await execFileAsync('aws', ['--version'], { timeout: 60_000 }).then(
      () => true,
      (error: NodeJS.ErrnoException) => error.code !== 'ENOENT',
    );
    if (!found) {
      t.skip('aws CLI not installed');
      return;
    }
    await withEmulator(async (em) => {
      const session = await mfaSession(em, doug);
      const config = join(dir, 'config');
      const credentials = join(dir, 'credentials');
      await writeFile(config, '');
      await writeFile(credentials, '');
      const env: NodeJS.ProcessEnv = {};
      for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('AWS_')) env[name] = value;
      Object.assign(env, {
        AWS_ACCESS_KEY_ID: session.accessKeyId,
        AWS_SECRET_ACCESS_KEY: session.secretAccessKey,
        AWS_SESSION_TOKEN: session.sessionToken,
        AWS_CONFIG_FILE: config,
        AWS_SHARED_CREDENTIALS_FILE: credentials,
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_PAGER: '',
      });
      const { stdout } = await execFileAsync(
        'aws',
        ['sts', 'get-caller-identity', '--endpoint-url', em.url, '--region', 'us-east-1', '--output', 'json'],
        { env, timeout: 60_000 },
      );
      const who = JSON.parse(stdout) as { Arn: string; Account: string };
      assert.equal(who.Arn, `arn:aws:iam::${ACCOUNT}:user/doug`);
      assert.equal(who.Account, ACCOUNT);
      assert.deepEqual(em.calls.at(-1), { action: 'GetCallerIdentity', accessKeyId: session.accessKeyId, ok: true });
    });
  });
});

/**
 * Role profiles against the emulator, through the real SDK over HTTP: one MFA code for many roles, AWS's
 * one-hour rule for roles assumed from an MFA session, chains, loops, external IDs, durations, and
 * AWS's refusals turned into advice. The first tests run the built CLI and the real `aws` CLI.
 */
import assert from 'node:assert/strict';
import { access } from 'node:fs/promises';
import { test } from 'node:test';
import { loadProfiles } from '../src/aws/profiles.js';
import { AwsmfaError } from '../src/errors.js';
import { SessionCache } from '../src/session/cache.js';
import { obtainSession, roleSessionName, type SessionRequest } from '../src/session/sessions.js';
import { ACCOUNT, ADMIN_ROLE, AUDIT_ROLE, CLI, DOUG_SERIAL, createWorld, runProgram, type World, type WorldOptions } from './helpers/fixture.js';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

const AWS_CLI = '/usr/bin/aws';
const OPS_ROLE = `arn:aws:iam::${ACCOUNT}:role/ops`;
const PARTNER_ROLE = `arn:aws:iam::210987654321:role/team/partner`;
const EXTERNAL_ID = 'xyz-123:team/a';

const ROLES: WorldOptions['roles'] = [
  { arn: ADMIN_ROLE, requireMfa: true, maxSessionDurationSeconds: 43_200 },
  { arn: AUDIT_ROLE, requireMfa: true },
  { arn: OPS_ROLE },
  { arn: PARTNER_ROLE, requireMfa: true, externalId: EXTERNAL_ID, trustedAccountIds: [ACCOUNT] },
];

const CONFIG = `[default]
region = us-east-1

[profile doug]
mfa_serial = ${DOUG_SERIAL}
region = eu-west-1

[profile nomfa]
region = eu-west-1

[profile admin]
role_arn = ${ADMIN_ROLE}
source_profile = doug

[profile audit]
role_arn = ${AUDIT_ROLE}
source_profile = doug
region = ap-southeast-2

[profile admin-long]
role_arn = ${ADMIN_ROLE}
source_profile = doug
duration_seconds = 43200
role_session_name = doug@laptop

[profile admin-nomfa]
role_arn = ${ADMIN_ROLE}
source_profile = nomfa

[profile admin-role-mfa]
role_arn = ${ADMIN_ROLE}
source_profile = nomfa
mfa_serial = ${DOUG_SERIAL}

[profile ops-nomfa]
role_arn = ${OPS_ROLE}
source_profile = nomfa

[profile audit-via-admin]
role_arn = ${AUDIT_ROLE}
source_profile = admin

[profile ops-via-audit-via-admin]
role_arn = ${OPS_ROLE}
source_profile = audit-via-admin

[profile chained-too-long]
role_arn = ${AUDIT_ROLE}
source_profile = admin
duration_seconds = 7200

[profile partner]
role_arn = ${PARTNER_ROLE}
source_profile = doug
external_id = ${EXTERNAL_ID}

[profile partner-no-external-id]
role_arn = ${PARTNER_ROLE}
source_profile = doug

[profile partner-bad-external-id]
role_arn = ${PARTNER_ROLE}
source_profile = doug
external_id = has spaces

[profile bad-session-name]
role_arn = ${ADMIN_ROLE}
source_profile = doug
role_session_name = doug smith

[profile bad-role-arn]
role_arn = admin
source_profile = doug

[profile loop-a]
role_arn = ${ADMIN_ROLE}
source_profile = loop-b

[profile loop-b]
role_arn = ${AUDIT_ROLE}
source_profile = loop-c

[profile loop-c]
role_arn = ${OPS_ROLE}
source_profile = loop-a

[profile self]
role_arn = ${OPS_ROLE}
source_profile = self
`;

const CREDENTIALS = (user: { accessKeyId: string; secretAccessKey: string }) => `[doug]
aws_access_key_id = ${user.accessKeyId}
aws_secret_access_key = ${user.secretAccessKey}

[nomfa]
aws_access_key_id = ${user.accessKeyId}
aws_secret_access_key = ${user.secretAccessKey}

[self]
aws_access_key_id = ${user.accessKeyId}
aws_secret_access_key = ${user.secretAccessKey}
`;

async function withWorld(body: (world: World) => Promise<void>, options: WorldOptions = {}) {
  const world = await createWorld({ roles: ROLES, config: () => CONFIG, credentials: CREDENTIALS, ...options });
  try {
    await body(world);
  } finally {
    await world.close();
  }
}

async function obtain(world: World, request: Partial<SessionRequest> & { profile: string }, env: Record<string, string> = {}) {
  const fullEnv = { ...world.env, ...env };
  return obtainSession(
    { tokenCode: undefined, durationSeconds: undefined, force: false, ...request },
    { profiles: await loadProfiles(fullEnv), cache: SessionCache.forEnvironment(fullEnv), env: fullEnv, stderr: { write: () => true } as unknown as NodeJS.WritableStream },
  );
}

async function refusal(promise: Promise<unknown>): Promise<AwsmfaError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AwsmfaError, `expected an AwsmfaError, got ${String((error as Error)?.stack ?? error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

function secondsLeft(expiration: string): number {
  return (Date.parse(expiration) - Date.now()) / 1000;
}

const bash = (world: World, script: string) =>
  runProgram('bash', ['--norc', '--noprofile', '-c', script], { env: { ...world.env, AWSMFA: `${process.execPath} ${CLI}`, AWS: AWS_CLI } });

test('env admin takes one code; env audit right after takes none; the real aws CLI sees each assumed role', async (t) => {
  const haveAws = await access(AWS_CLI).then(() => true, () => false);
  await withWorld(async (world) => {
    const identity = `"$AWS" sts get-caller-identity --endpoint-url "$AWS_ENDPOINT_URL_STS" --query Arn --output text`;
    const first = await bash(world, `eval "$($AWSMFA env admin --token-code ${world.code()})" || exit 9
      echo "region=$AWS_REGION profile=$AWSMFA_PROFILE"
      ${haveAws ? identity : 'echo skipped'}`);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(world.count('GetSessionToken'), 1);
    assert.equal(world.count('AssumeRole'), 1);
    // The role profile names no region: the source profile's applies.
    assert.match(first.stdout, /^region=eu-west-1 profile=admin$/m);
    if (haveAws) assert.match(first.stdout, new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/admin/awsmfa-doug$`, 'm'));
    else t.diagnostic('no aws CLI at /usr/bin/aws; its part was skipped');

    // No code given and no terminal: it can only work from the cached MFA session.
    const second = await bash(world, `eval "$($AWSMFA env audit)" || exit 9
      echo "region=$AWS_REGION"
      ${haveAws ? identity : 'echo skipped'}`);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(world.count('GetSessionToken'), 1, 'the MFA session was reused: no new GetSessionToken');
    assert.equal(world.count('AssumeRole'), 2, 'exactly one more AssumeRole');
    assert.match(second.stdout, /^region=ap-southeast-2$/m, 'the role profile\'s own region wins');
    if (haveAws) assert.match(second.stdout, new RegExp(`^arn:aws:sts::${ACCOUNT}:assumed-role/audit/awsmfa-doug$`, 'm'));

    // Role credentials are cached per role profile: admin again makes no call at all.
    const calls = world.emulator.calls.length;
    const third = await bash(world, `eval "$($AWSMFA env admin)" && echo "$AWS_ACCESS_KEY_ID"`);
    assert.equal(third.code, 0, third.stderr);
    assert.match(third.stderr, /admin: cached session/);
    assert.equal(world.emulator.calls.length, calls);
  });
});

test('a role whose trust needs MFA, assumed by a profile without mfa_serial, gets AccessDenied as advice', async () => {
  await withWorld(async (world) => {
    const result = await bash(world, `eval "$($AWSMFA env admin-nomfa)" && echo applied`);
    assert.notEqual(result.code, 0);
    assert.doesNotMatch(result.stdout, /applied|AWS_ACCESS_KEY_ID/);
    assert.match(result.stderr, /AWS refused to let \[admin-nomfa\] assume arn:aws:iam::123456789012:role\/admin/);
    assert.match(result.stderr, /trust policy requires MFA, add mfa_serial to .*\(or its source profile\)/);
    assert.equal(world.emulator.calls.at(-1)?.errorCode, 'AccessDenied');
    assert.equal(world.count('GetSessionToken'), 0, 'no MFA device, so no MFA session was asked for');

    // The same role without MFA in its trust policy is assumed with the long-term keys alone.
    const ops = await obtain(world, { profile: 'ops-nomfa' });
    assert.equal(ops.session.kind, 'role');
    assert.equal(ops.session.assumedRoleArn, `arn:aws:sts::${ACCOUNT}:assumed-role/ops/awsmfa-nomfa`);
  });
});

test('mfa_serial set on the role profile alone is used for the role', async () => {
  await withWorld(async (world) => {
    const result = await obtain(world, { profile: 'admin-role-mfa', tokenCode: world.code() });
    assert.equal(result.session.assumedRoleArn, `arn:aws:sts::${ACCOUNT}:assumed-role/admin/awsmfa-nomfa`);
    assert.equal(world.count('GetSessionToken'), 1);
  });
});

test('a first role longer than one hour gets the code in AssumeRole itself, signed with the long-term keys', async () => {
  await withWorld(async (world) => {
    // With an MFA session cached, a one-hour role needs no code, but a 12-hour one still does.
    await obtain(world, { profile: 'admin', tokenCode: world.code() });
    assert.equal(world.count('GetSessionToken'), 1);
    const calls = world.emulator.calls.length;
    const needsCode = await refusal(obtain(world, { profile: 'admin-long' }));
    assert.match(needsCode.message, /no terminal to ask for the MFA code/);
    assert.equal(world.emulator.calls.length, calls);

    const long = await obtain(world, { profile: 'admin-long', tokenCode: world.code() });
    assert.equal(world.count('GetSessionToken'), 1, 'no MFA session was made for it');
    const assume = world.emulator.calls.filter((call) => call.action === 'AssumeRole');
    assert.equal(assume.length, 2);
    assert.equal(assume[1]?.accessKeyId, world.user.accessKeyId, 'signed with the user\'s own key');
    assert.ok(secondsLeft(long.session.expiration) > 43_000, `a 12-hour session, got ${secondsLeft(long.session.expiration)} s`);
    assert.equal(long.session.assumedRoleArn, `arn:aws:sts::${ACCOUNT}:assumed-role/admin/doug@laptop`);
  });
});

test('--duration over an hour on a role that otherwise uses the MFA session takes the same path', async () => {
  await withWorld(async (world) => {
    await obtain(world, { profile: 'audit', tokenCode: world.code() });
    const long = await obtain(world, { profile: 'admin', durationSeconds: 7200, tokenCode: world.code() });
    assert.equal(world.count('GetSessionToken'), 1);
    assert.equal(world.emulator.calls.at(-1)?.accessKeyId, world.user.accessKeyId);
    const left = secondsLeft(long.session.expiration);
    assert.ok(left > 7100 && left <= 7200, `two hours, got ${left} s`);
  });
});

test('chains of roles are assumed hop by hop, and loops are named', async () => {
  await withWorld(async (world) => {
    const deep = await obtain(world, { profile: 'ops-via-audit-via-admin', tokenCode: world.code() });
    assert.equal(deep.session.assumedRoleArn, `arn:aws:sts::${ACCOUNT}:assumed-role/ops/awsmfa-doug`);
    assert.deepEqual(deep.profile.chain, ['ops-via-audit-via-admin', 'audit-via-admin', 'admin', 'doug']);
    assert.equal(world.count('GetSessionToken'), 1);
    assert.equal(world.count('AssumeRole'), 3);
    const audit = await obtain(world, { profile: 'audit-via-admin' });
    assert.equal(audit.session.assumedRoleArn, `arn:aws:sts::${ACCOUNT}:assumed-role/audit/awsmfa-doug`);
    assert.equal(world.count('GetSessionToken'), 1, 'the same MFA session served the second chain');

    const loop = await refusal(obtain(world, { profile: 'loop-a' }));
    assert.match(loop.message, /source_profile loops: \[loop-a\] -> \[loop-b\] -> \[loop-c\] -> \[loop-a\]/);

    // As in the AWS CLI, a role profile may be its own source when it holds keys.
    const self = await obtain(world, { profile: 'self' });
    assert.equal(self.session.assumedRoleArn, `arn:aws:sts::${ACCOUNT}:assumed-role/ops/awsmfa-self`);
  });
});

test('external_id is passed to AssumeRole; a missing or malformed one is explained', async () => {
  await withWorld(async (world) => {
    const partner = await obtain(world, { profile: 'partner', tokenCode: world.code() });
    assert.equal(partner.session.assumedRoleArn, 'arn:aws:sts::210987654321:assumed-role/partner/awsmfa-doug');

    const missing = await refusal(obtain(world, { profile: 'partner-no-external-id' }));
    assert.match(missing.message, /refused to let \[partner-no-external-id\] assume/);
    assert.match(missing.hint ?? '', /external_id/);

    const calls = world.emulator.calls.length;
    const malformed = await refusal(obtain(world, { profile: 'partner-bad-external-id' }));
    assert.match(malformed.message, /external_id of \[partner-bad-external-id\] in .*config is not a valid external ID/);
    assert.equal(world.emulator.calls.length, calls, 'refused before any call');
  });
});

test('durations, session names and role ARNs AWS would refuse are refused before any call or code', async () => {
  await withWorld(async (world) => {
    const cases: [Partial<SessionRequest> & { profile: string }, RegExp][] = [
      [{ profile: 'admin', durationSeconds: 899 }, /outside what AssumeRole allows \(900 to 43200 s\)/],
      [{ profile: 'admin', durationSeconds: 43_201 }, /outside what AssumeRole allows \(900 to 43200 s\)/],
      [{ profile: 'chained-too-long' }, /duration 7200 s from duration_seconds of \[chained-too-long\] is outside what AssumeRole allows for a role assumed from another role \(900 to 3600 s\)/],
      [{ profile: 'audit-via-admin', durationSeconds: 3601 }, /for a role assumed from another role \(900 to 3600 s\)/],
      [{ profile: 'bad-session-name' }, /role_session_name of \[bad-session-name\] .* is not a valid session name/],
      [{ profile: 'bad-role-arn' }, /role_arn of \[bad-role-arn\] .* is not a role ARN/],
    ];
    for (const [request, expected] of cases) {
      // A code that would be refused as already used if it were ever looked at.
      const error = await refusal(obtain(world, { ...request, tokenCode: '000000' }));
      assert.match(error.message, expected);
    }
    assert.equal(world.emulator.calls.length, 0);
  });
});

test('as in the AWS CLI, a source profile\'s own keys win over its role_arn', async () => {
  await withWorld(
    async (world) => {
      const resolved = (await loadProfiles(world.env)).resolve('ops-via-keyed');
      assert.deepEqual(resolved.roles.map((hop) => hop.roleArn), [OPS_ROLE]);
      assert.equal(resolved.keys.profile, 'keyed');
      const session = await obtain(world, { profile: 'ops-via-keyed' });
      assert.equal(session.session.assumedRoleArn, `arn:aws:sts::${ACCOUNT}:assumed-role/ops/awsmfa-keyed`);
    },
    {
      config: () => `[profile keyed]\nrole_arn = ${ADMIN_ROLE}\nsource_profile = doug\n[profile ops-via-keyed]\nrole_arn = ${OPS_ROLE}\nsource_profile = keyed\n`,
      credentials: (user) => `[keyed]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
    },
  );
});

test('the default role session name is valid for STS whatever the profile is called', () => {
  const hop = { profile: 'r', roleArn: ADMIN_ROLE, externalId: undefined, roleSessionName: undefined, durationSeconds: undefined, mfaSerial: undefined };
  assert.equal(roleSessionName(hop, 'doug'), 'awsmfa-doug');
  assert.equal(roleSessionName(hop, 'my profile/prod:1'), 'awsmfa-my-profile-prod-1');
  const long = roleSessionName(hop, 'x'.repeat(100));
  assert.equal(long.length, 64);
  assert.match(long, /^[\w+=,.@-]{2,64}$/);
  assert.equal(roleSessionName({ ...hop, roleSessionName: 'chosen@me' }, 'doug'), 'chosen@me');
});

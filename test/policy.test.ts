/**
 * `awsmfa policy`: each kind prints one JSON document on stdout (and nothing else there), with the MFA
 * conditions IAM evaluates as intended (Bool for Allow, BoolIfExists for the Deny), the account and user
 * filled in from flags or from a profile's keys (GetCallerIdentity against the emulator), no placeholder
 * left, and the explanation on stderr only.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ACCOUNT, awsmfa, createWorld } from './helpers/fixture.js';

interface Statement {
  Sid: string;
  Effect: string;
  Principal?: { AWS: string };
  Action?: string | string[];
  NotAction?: string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

const ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: '/nonexistent', NO_COLOR: '1', AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials' };

async function policy(args: string[], env: Record<string, string> = ENV): Promise<{ statements: Statement[]; text: string; stderr: string }> {
  const result = await awsmfa(['policy', ...args], { env });
  assert.equal(result.code, 0, result.stderr);
  const document = JSON.parse(result.stdout) as { Version: string; Statement: Statement[] };
  assert.equal(document.Version, '2012-10-17');
  assert.deepEqual(Object.keys(document), ['Version', 'Statement']);
  return { statements: document.Statement, text: result.stdout, stderr: result.stderr };
}

/** Whatever a person would have to replace by hand: none may be left. IAM's own ${aws:username} is not one. */
function assertNoPlaceholders(text: string): void {
  const withoutVariables = text.replaceAll('${aws:username}', '');
  assert.doesNotMatch(withoutVariables, /\$\{|<[A-Za-z_-]+>|ACCOUNT|USER[_ ]?NAME|\bUSER\b|EXAMPLE|123456789012X|REPLACE|TODO/);
}

function all<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

test('mfa-boundary allows everything only with MFA, and lets the user set up a device and get an MFA session without', async () => {
  const { statements, text, stderr } = await policy(['mfa-boundary', '--account', '111122223333', '--user', 'doug']);
  assertNoPlaceholders(text);
  const everything = statements.find((s) => all(s.Action).includes('*'))!;
  assert.equal(everything.Effect, 'Allow');
  assert.deepEqual(everything.Condition, { Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
  const withoutMfa = statements.filter((s) => s.Condition === undefined);
  const actions = withoutMfa.flatMap((s) => all(s.Action));
  for (const action of ['sts:GetSessionToken', 'iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'iam:ListMFADevices', 'iam:ResyncMFADevice']) assert.ok(actions.includes(action), action);
  assert.ok(statements.every((s) => s.Effect === 'Allow'), 'a boundary only allows');
  const resources = statements.flatMap((s) => all(s.Resource));
  assert.ok(resources.includes('arn:aws:iam::111122223333:user/doug'));
  assert.ok(resources.includes('arn:aws:iam::111122223333:mfa/*'));
  assert.match(stderr, /permissions boundary for the user doug/);
  assert.match(stderr, /put-user-permissions-boundary --user-name doug --permissions-boundary arn:aws:iam::111122223333:policy\/RequireMfa/);
});

test('deny-without-mfa denies all but the self-service MFA actions and GetSessionToken, with BoolIfExists', async () => {
  const { statements, text, stderr } = await policy(['deny-without-mfa', '--account', '111122223333', '--user', 'team/doug']);
  assertNoPlaceholders(text);
  const deny = statements.filter((s) => s.Effect === 'Deny');
  assert.equal(deny.length, 1);
  assert.equal(deny[0]!.Resource, '*');
  assert.deepEqual(deny[0]!.Condition, { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } });
  assert.deepEqual(
    [...deny[0]!.NotAction!].sort(),
    ['iam:CreateVirtualMFADevice', 'iam:EnableMFADevice', 'iam:GetMFADevice', 'iam:GetUser', 'iam:ListMFADevices', 'iam:ListVirtualMFADevices', 'iam:ResyncMFADevice', 'sts:GetSessionToken'],
  );
  // Every action left out of the Deny is one the user may do on their own user or device only.
  const own = statements.filter((s) => s.Effect === 'Allow').flatMap((s) => all(s.Resource));
  assert.ok(own.includes('arn:aws:iam::111122223333:user/team/doug'), 'the user with its path');
  const deactivate = statements.find((s) => all(s.Action).includes('iam:DeactivateMFADevice'))!;
  assert.deepEqual(deactivate.Condition, { Bool: { 'aws:MultiFactorAuthPresent': 'true' } }, 'removing the device needs MFA');
  assert.match(stderr, /attach-user-policy --user-name doug/);
});

test('without account or user, the documents use IAM\'s own variable and wildcard, still complete', async () => {
  for (const kind of ['mfa-boundary', 'deny-without-mfa']) {
    const { text, stderr } = await policy([kind]);
    assertNoPlaceholders(text);
    assert.ok(text.includes('arn:aws:iam::*:user/${aws:username}'), kind);
    assert.match(stderr, /\$\{aws:username\}/);
  }
});

test('mfa-role-trust: MFA required, the user or the account as principal, --max-age as aws:MultiFactorAuthAge', async () => {
  const user = await policy(['mfa-role-trust', '--account', '111122223333', '--user', 'doug', '--max-age', '3600']);
  assertNoPlaceholders(user.text);
  assert.equal(user.statements.length, 1);
  const statement = user.statements[0]!;
  assert.deepEqual(statement.Principal, { AWS: 'arn:aws:iam::111122223333:user/doug' });
  assert.equal(statement.Action, 'sts:AssumeRole');
  assert.deepEqual(statement.Condition, { Bool: { 'aws:MultiFactorAuthPresent': 'true' }, NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } });

  const account = await policy(['mfa-role-trust', '--account', '111122223333', '--role-account', '444455556666', '--role-name', 'admin']);
  assertNoPlaceholders(account.text);
  assert.deepEqual(account.statements[0]!.Principal, { AWS: 'arn:aws:iam::111122223333:root' });
  assert.deepEqual(account.statements[0]!.Condition, { Bool: { 'aws:MultiFactorAuthPresent': 'true' } });
  assert.match(account.stderr, /in account 444455556666/);
  assert.match(account.stderr, /account 111122223333 must also allow the user sts:AssumeRole on arn:aws:iam::444455556666:role\/admin/);
});

test('the account and user come from a profile\'s keys through GetCallerIdentity', async () => {
  const world = await createWorld();
  try {
    const { statements, text, stderr } = await policy(['mfa-role-trust', '--profile', 'doug'], world.env);
    assertNoPlaceholders(text);
    assert.deepEqual(statements[0]!.Principal, { AWS: `arn:aws:iam::${ACCOUNT}:user/doug` });
    assert.match(stderr, /\[doug\]'s key belongs to arn:aws:iam::123456789012:user\/doug/);
    assert.equal(world.count('GetCallerIdentity'), 1);
    assert.equal(world.count('GetSessionToken'), 0, 'no MFA code needed');

    // A flag wins over what the profile says.
    const deny = await policy(['deny-without-mfa', '--profile', 'doug', '--user', 'kim'], world.env);
    assert.ok(deny.text.includes(`arn:aws:iam::${ACCOUNT}:user/kim`));
  } finally {
    await world.close();
  }
});

test('wrong or missing input is refused with nothing on stdout', async () => {
  const cases: [string[], RegExp][] = [
    [['mfa-role-trust'], /needs the account .*\n.*--account 123456789012/],
    [['mfa-boundary', '--account', '12345'], /--account "12345" is not an AWS account ID/],
    [['mfa-boundary', '--max-age', '600'], /--max-age is for mfa-role-trust only/],
    [['mfa-role-trust', '--account', '111122223333', '--max-age', '0'], /max-age/],
    [['mfa-role-trust', '--account', '111122223333', '--user', 'bad user'], /is not an IAM user name/],
    [['no-such-kind'], /expected one of "mfa-boundary", "deny-without-mfa", or "mfa-role-trust"/],
  ];
  for (const [args, error] of cases) {
    const result = await awsmfa(['policy', ...args], { env: ENV });
    assert.equal(result.code, 1, args.join(' '));
    assert.equal(result.stdout, '', `${args.join(' ')}: nothing on stdout`);
    assert.match(result.stderr, error, args.join(' '));
  }
});

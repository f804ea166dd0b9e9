import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MANAGED_VARIABLES, restoreChanges, rfc3339, sessionChanges, type SessionForShell } from '../src/session/environment.js';
import type { EnvChange } from '../src/shell/dialect.js';

const session = (profile: string, region?: string): SessionForShell => ({
  profile,
  accessKeyId: `ASIA${profile.toUpperCase()}EXAMPLE`,
  secretAccessKey: `secret-${profile}`,
  sessionToken: `token-${profile}`,
  expiration: '2026-11-24T03:14:15.678Z',
  region,
});

/** Applies changes to an environment the way a shell would. */
function apply(env: Record<string, string>, changes: EnvChange[]): Record<string, string> {
  const next = { ...env };
  for (const { name, value } of changes) {
    if (value === null) delete next[name];
    else next[name] = value;
  }
  return next;
}

test('env sets the contract variables and removes AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN', () => {
  const before = { AWS_PROFILE: 'old', AWS_DEFAULT_PROFILE: 'older', AWS_SECURITY_TOKEN: 'stale', KEEP: 'x' };
  const after = apply(before, sessionChanges(session('doug', 'eu-west-1'), before));
  assert.equal(after.AWS_ACCESS_KEY_ID, 'ASIADOUGEXAMPLE');
  assert.equal(after.AWS_SECRET_ACCESS_KEY, 'secret-doug');
  assert.equal(after.AWS_SESSION_TOKEN, 'token-doug');
  assert.equal(after.AWS_CREDENTIAL_EXPIRATION, '2026-11-24T03:14:15Z');
  assert.equal(after.AWS_SESSION_EXPIRATION, '2026-11-24T03:14:15Z');
  assert.equal(after.AWS_REGION, 'eu-west-1');
  assert.equal(after.AWS_DEFAULT_REGION, 'eu-west-1');
  assert.equal(after.AWSMFA_PROFILE, 'doug');
  assert.equal(after.AWSMFA_EXPIRES_AT, String(Date.parse('2026-11-24T03:14:15.678Z') / 1000 | 0));
  for (const name of ['AWS_PROFILE', 'AWS_DEFAULT_PROFILE', 'AWS_SECURITY_TOKEN']) assert.equal(after[name], undefined, name);
  assert.equal(after.KEEP, 'x');
});

test('AWSMFA_EXPIRES_AT and AWS_CREDENTIAL_EXPIRATION name the same second', () => {
  const after = apply({}, sessionChanges(session('doug'), {}));
  assert.equal(Date.parse(after.AWS_CREDENTIAL_EXPIRATION!) / 1000, Number(after.AWSMFA_EXPIRES_AT));
});

test('unset restores exactly what was there before, set or not', () => {
  const before = { AWS_PROFILE: 'work', AWS_REGION: ' us-west-2\n', AWS_ACCESS_KEY_ID: 'AKIAOLDOLDOLDEXAMPLE', OTHER: 'y' };
  const during = apply(before, sessionChanges(session('doug', 'eu-west-1'), before));
  const after = apply(during, restoreChanges(during).changes);
  assert.deepEqual(after, before);
});

test('a profile without a region leaves the original region in place', () => {
  const before = { AWS_REGION: 'ap-south-1' };
  const during = apply(before, sessionChanges(session('doug'), before));
  assert.equal(during.AWS_REGION, 'ap-south-1');
  assert.equal(during.AWS_DEFAULT_REGION, undefined);
});

test('env a, then env b, then unset restores the original values, not a\'s', () => {
  const before = { AWS_PROFILE: 'work', AWS_DEFAULT_REGION: 'us-west-2' };
  const afterA = apply(before, sessionChanges(session('a', 'eu-west-1'), before));
  const afterB = apply(afterA, sessionChanges(session('b'), afterA));
  assert.equal(afterB.AWSMFA_PROFILE, 'b');
  assert.equal(afterB.AWS_DEFAULT_REGION, 'us-west-2', 'b has no region: the original comes back, not a\'s');
  assert.deepEqual(apply(afterB, restoreChanges(afterB).changes), before);
});

test('unset without a session changes nothing', () => {
  const { changes, restored } = restoreChanges({ AWS_PROFILE: 'x', AWS_ACCESS_KEY_ID: 'AKIAOLDOLDOLDEXAMPLE' });
  assert.deepEqual(changes, []);
  assert.equal(restored, false);
});

test('unset with a damaged record removes the session and touches nothing else', () => {
  const during = { ...apply({}, sessionChanges(session('doug'), {})), AWSMFA_SAVED_ENV: '{not json', AWS_PROFILE: 'kept' };
  const { changes, restored } = restoreChanges(during);
  const after = apply(during, changes);
  assert.equal(restored, false);
  assert.equal(after.AWS_ACCESS_KEY_ID, undefined);
  assert.equal(after.AWSMFA_PROFILE, undefined);
  assert.equal(after.AWS_PROFILE, 'kept');
});

test('every managed variable appears in the changes, so stale values never survive', () => {
  const names = sessionChanges(session('doug'), {}).map((change) => change.name);
  for (const name of MANAGED_VARIABLES) assert.ok(names.includes(name), name);
});

test('rfc3339 is UTC with Z and whole seconds', () => {
  assert.equal(rfc3339('2026-01-02T03:04:05.999Z'), '2026-01-02T03:04:05Z');
  assert.match(rfc3339(new Date()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

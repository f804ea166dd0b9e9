import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { hasActiveSession, MANAGED_VARIABLES, restoreCode, rfc3339, sessionChanges, sessionCode, withSession, type SessionForShell } from '../src/session/environment.js';
import { dialectFor } from '../src/shell/index.js';
import type { EnvChange } from '../src/shell/dialect.js';
import { envAfter, requireShell } from './helpers/shells.js';

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

// What `unset` restores is recorded and put back by the shell itself: saved-environment.test.ts runs
// that in the real shells. Here, only what a session changes.

test('env sets the contract variables and removes AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_SECURITY_TOKEN', () => {
  const before = { AWS_PROFILE: 'old', AWS_DEFAULT_PROFILE: 'older', AWS_SECURITY_TOKEN: 'stale', KEEP: 'x' };
  const after = apply(before, sessionChanges(session('doug', 'eu-west-1')));
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
  const after = apply({}, sessionChanges(session('doug')));
  assert.equal(Date.parse(after.AWS_CREDENTIAL_EXPIRATION!) / 1000, Number(after.AWSMFA_EXPIRES_AT));
});

test('a profile without a region leaves the region to what was there before', () => {
  const names = sessionChanges(session('doug')).map((change) => change.name);
  assert.ok(!names.includes('AWS_REGION') && !names.includes('AWS_DEFAULT_REGION'));
});

test('a session exports no record of the values it replaced, and drops the one earlier versions exported', () => {
  const changes = sessionChanges(session('doug'));
  assert.deepEqual(changes.find((change) => change.name === 'AWSMFA_SAVED_ENV'), { name: 'AWSMFA_SAVED_ENV', value: null });
  assert.ok(changes.every((change) => change.value === null || !change.value.includes('AKIA')));
});

test('exec\'s child: the session applied to the parent\'s environment, nothing recorded', () => {
  const child = withSession(session('doug'), { AWS_ACCESS_KEY_ID: 'AKIAOLDOLDOLDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'long-term', AWS_PROFILE: 'x', KEEP: 'y' });
  assert.equal(child.AWS_ACCESS_KEY_ID, 'ASIADOUGEXAMPLE');
  assert.equal(child.AWS_PROFILE, undefined);
  assert.equal(child.KEEP, 'y');
  assert.ok(!Object.values(child).some((value) => value?.includes('long-term') || value?.includes('AKIAOLD')));
});

test('every managed variable is recorded by the shell code, so stale values never survive', () => {
  const code = sessionCode(dialectFor('bash'), session('doug'));
  for (const name of MANAGED_VARIABLES) assert.match(code, new RegExp(`__awsmfa_saved_${name}=\\$${name};`), name);
});

test('rfc3339 is UTC with Z and whole seconds', () => {
  assert.equal(rfc3339('2026-01-02T03:04:05.999Z'), '2026-01-02T03:04:05Z');
  assert.match(rfc3339(new Date()), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test('a session is active when either of its own variables is there', () => {
  assert.equal(hasActiveSession({}), false);
  assert.equal(hasActiveSession({ AWS_ACCESS_KEY_ID: 'AKIAOLDOLDOLDEXAMPLE', AWS_PROFILE: 'x' }), false);
  assert.equal(hasActiveSession({ AWSMFA_PROFILE: 'doug' }), true);
  assert.equal(hasActiveSession({ AWSMFA_SAVED_ENV: '{}' }), true);
  assert.equal(hasActiveSession({ AWSMFA_PROFILE: 'doug', AWSMFA_SAVED_ENV: '{}' }), true);
});

describe('unset in a shell that holds no record of its own (started from the one that has it)', () => {
  const OURS = ['AWSMFA_PROFILE', 'AWSMFA_EXPIRES_AT', 'AWSMFA_SAVED_ENV'];
  const NAMES = [...MANAGED_VARIABLES, ...OURS, 'KEEP'];
  /** A session's variables as a child shell inherits them, with what an earlier version exported. */
  const inherited = (legacy?: string): Record<string, string> => ({
    AWSMFA_PROFILE: 'doug',
    AWSMFA_EXPIRES_AT: '1800000000',
    AWS_ACCESS_KEY_ID: 'ASIASESSION00EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'session-secret',
    AWS_SESSION_TOKEN: 'session-token',
    AWS_CREDENTIAL_EXPIRATION: '2027-01-15T08:00:00Z',
    AWS_SESSION_EXPIRATION: '2027-01-15T08:00:00Z',
    AWS_REGION: 'eu-west-1',
    AWS_DEFAULT_REGION: 'eu-west-1',
    KEEP: 'x',
    ...(legacy === undefined ? {} : { AWSMFA_SAVED_ENV: legacy }),
  });
  /** What an earlier version recorded: every managed variable, a value or null (unset before). */
  const RECORD = Object.fromEntries(MANAGED_VARIABLES.map((name) => [name, null as string | null]));
  Object.assign(RECORD, { AWS_ACCESS_KEY_ID: 'AKIAOLDOLDOLDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'long-term', AWS_PROFILE: 'work' });
  const unsetIn = async (env: Record<string, string>) => (await envAfter('bash', restoreCode(dialectFor('bash'), env), NAMES, { env })).vars;

  test('an intact record of an earlier version is put back, every variable as it was', async (t) => {
    if (!(await requireShell(t, 'bash'))) return;
    const vars = await unsetIn(inherited(JSON.stringify(RECORD)));
    assert.deepEqual(vars, { ...RECORD, AWSMFA_PROFILE: null, AWSMFA_EXPIRES_AT: null, AWSMFA_SAVED_ENV: null, KEEP: 'x' });
  });

  test('a damaged record is not trusted: the session\'s own variables go, everything else stays', async (t) => {
    if (!(await requireShell(t, 'bash'))) return;
    const { AWS_REGION: _region, ...missingOne } = RECORD;
    for (const damaged of [
      JSON.stringify(missingOne),
      JSON.stringify({ ...RECORD, AWS_REGION: 5 }),
      JSON.stringify({ ...RECORD, AWS_PROFILE: ['work'] }),
      'null',
      '[]',
      '"text"',
      '7',
      '{not json',
    ]) {
      const vars = await unsetIn(inherited(damaged));
      const expected = { ...Object.fromEntries(NAMES.map((name) => [name, null])), AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1', KEEP: 'x' };
      assert.deepEqual(vars, expected, damaged);
    }
  });

  test('with no session at all, unset changes nothing but awsmfa\'s own variables', async (t) => {
    if (!(await requireShell(t, 'bash'))) return;
    const { AWSMFA_PROFILE: _profile, AWSMFA_EXPIRES_AT: _expires, ...notOurs } = inherited();
    const vars = await unsetIn({ ...notOurs, AWSMFA_EXPIRES_AT: '1800000000' });
    assert.deepEqual(vars, { ...Object.fromEntries(NAMES.map((name) => [name, null])), ...notOurs });
  });
});

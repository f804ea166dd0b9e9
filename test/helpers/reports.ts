/**
 * Shared by the tests of status, list, clear and doctor: sessions made through the emulator the way a
 * user makes them, a cached session that has already expired, and the CLI run inside a bash that has
 * a session exported.
 */
import { join } from 'node:path';
import { SessionCache } from '../../src/session/cache.js';
import { CLI, runProgram, type RunResult, type World } from './fixture.js';

/** A shell-quoted word for the bash scripts below. */
export function q(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export const AWSMFA = `${q(process.execPath)} ${q(CLI)}`;

/** Runs a bash script in the world (TZ=UTC, so that local times are predictable); `awsmfa` is the built CLI. */
export function bash(world: World, script: string, env: Record<string, string> = {}): Promise<RunResult> {
  return runProgram('bash', ['--norc', '--noprofile', '-c', `awsmfa() { ${AWSMFA} "$@"; }\n${script}`], {
    env: { ...world.env, TZ: 'UTC', SHELL: '/bin/bash', ...env },
  });
}

/** Gets sessions for doug (with a code) and admin (with doug's MFA session, no code) into the cache. */
export async function makeSessions(world: World): Promise<void> {
  const result = await bash(world, `eval "$(awsmfa env doug --shell bash --token-code ${world.code()})" && eval "$(awsmfa env admin --shell bash)"`);
  if (result.code !== 0) throw new Error(`could not make sessions: ${result.stderr}`);
}

/** A cached role session for [audit] that expired an hour ago. */
export async function writeExpiredSession(world: World): Promise<void> {
  const cache = new SessionCache(join(world.env.XDG_CACHE_HOME!, 'awsmfa'));
  const hourAgo = Date.now() - 3600_000;
  await cache.write(JSON.stringify(['role', 'audit', 'expired-test']), {
    version: 1,
    kind: 'role',
    profile: 'audit',
    sourceKeyId: world.user.accessKeyId,
    mfaSerial: world.user.mfaSerial,
    roleArn: 'arn:aws:iam::123456789012:role/audit',
    assumedRoleArn: 'arn:aws:sts::123456789012:assumed-role/audit/awsmfa-doug',
    accessKeyId: 'ASIAEXPIREDEXAMPLE00',
    secretAccessKey: 'expiredSecretEXAMPLE',
    sessionToken: 'expiredTokenEXAMPLE',
    expiration: new Date(hourAgo).toISOString(),
    createdAt: new Date(hourAgo - 3600_000).toISOString(),
  });
}

/**
 * Part of the build (scripts/build.mjs): a cached `env` run by the new build in a throwaway HOME, once
 * per shell, so that the V8 code cache saved for dist/awsmfa-env.js holds the functions a cached `env`
 * runs and not only the bundle's top level. V8 compiles a function the first time it is called; a cache
 * made before that leaves every start compiling them again (about a tenth of a cached `env`'s work).
 * The session is made up, written where and as awsmfa writes one, and never leaves the directory.
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { loadProfiles } from '../src/aws/profiles.js';
import { SessionCache } from '../src/session/cache.js';
import { planSession } from '../src/session/sessions.js';

const outdir = process.argv[2];
if (outdir === undefined) throw new Error('usage: warm-env-cache.ts DIST_DIRECTORY');
const home = await mkdtemp(join(tmpdir(), 'awsmfa-build-'));
try {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_CONFIG_FILE: join(home, '.aws', 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, '.aws', 'credentials'),
    XDG_CACHE_HOME: join(home, '.cache'),
  };
  const serial = 'arn:aws:iam::123456789012:mfa/warm-up';
  await mkdir(join(home, '.aws'));
  await writeFile(env.AWS_CONFIG_FILE!, `[profile warm-up]\nmfa_serial = ${serial}\nregion = eu-west-1\n`);
  await writeFile(env.AWS_SHARED_CREDENTIALS_FILE!, '[warm-up]\naws_access_key_id = AKIAWARMUP000EXAMPLE\naws_secret_access_key = warmUpSecretKeyEXAMPLE0123456789abcdefgh\n', { mode: 0o600 });
  const profiles = await loadProfiles(env);
  const cache = SessionCache.forEnvironment(env);
  const plan = planSession({ profile: 'warm-up', tokenCode: undefined, durationSeconds: undefined, force: false }, { profiles, cache, env });
  const now = Date.now();
  await cache.write(plan.key, {
    version: 1,
    kind: 'mfa',
    profile: 'warm-up',
    sourceKeyId: 'AKIAWARMUP000EXAMPLE',
    mfaSerial: serial,
    accessKeyId: 'ASIAWARMUP000EXAMPLE',
    secretAccessKey: 'warmUpSessionSecretEXAMPLE0123456789abcd',
    sessionToken: 'warmUpSessionTokenEXAMPLE',
    expiration: new Date(now + 3_600_000).toISOString(),
    createdAt: new Date(now).toISOString(),
  });
  for (const shell of ['bash', 'zsh', 'fish', 'pwsh']) {
    const { stdout } = await promisify(execFile)(process.execPath, [join(outdir, 'awsmfa.js'), 'env', 'warm-up', '--shell', shell], {
      env: { ...env, AWSMFA_BUILD_CODE_CACHE: '1' },
    });
    if (!stdout.includes('ASIAWARMUP000EXAMPLE')) throw new Error(`the build's cached env (${shell}) printed no session`);
  }
} finally {
  await rm(home, { recursive: true, force: true });
}

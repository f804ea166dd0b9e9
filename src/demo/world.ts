/**
 * The demo's throwaway world: the loopback STS emulator with a demo IAM user (virtual MFA device) and
 * a role that requires MFA, a private temporary directory with a config and credentials for them, the
 * cache, and an `awsmfa` launcher, and the environment that points a shell at all of it. close()
 * takes everything down again.
 */
import { realpathSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import {
  DEMO_MFA_SERIAL,
  DEMO_ROLE_ARN,
  demoRoles,
  demoUsers,
  randomTotpSecret,
  startEmulator,
  type Emulator,
} from '../emulator/index.js';
import { quoteSingle } from '../shell/bash.js';
import { DEMO_ROLE_PROFILE, DEMO_USER_PROFILE } from './profiles.js';

export { DEMO_ROLE_PROFILE, DEMO_USER_PROFILE };

export const DEMO_DIR_VARIABLE = 'AWSMFA_DEMO_DIR';
/** What a running demo records about itself, for `awsmfa demo code` in another terminal. */
export const DEMO_RECORD = 'demo.json';

/** Variables of the user's shell that would point the demo at other keys, profiles or endpoints. */
const CLEARED_VARIABLES = [
  'AWS_PROFILE',
  'AWS_DEFAULT_PROFILE',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_SECURITY_TOKEN',
  'AWS_CREDENTIAL_EXPIRATION',
  'AWS_SESSION_EXPIRATION',
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_ENDPOINT_URL',
  'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS',
  'AWS_CONFIG_FILE',
  'AWS_SHARED_CREDENTIALS_FILE',
  'AWSMFA_PROFILE',
  'AWSMFA_EXPIRES_AT',
  'AWSMFA_SAVED_ENV',
];

export interface DemoRecord {
  readonly version: 1;
  readonly pid: number;
  readonly endpoint: string;
  readonly mfaSerial: string;
  /** Base32 secret of the demo's virtual MFA device: the demo's own, worthless anywhere else. */
  readonly totpSecret: string;
  readonly createdAt: string;
}

export interface DemoWorld {
  readonly dir: string;
  readonly emulator: Emulator;
  readonly record: DemoRecord;
  /** The environment of the demo shell and of every command it runs. */
  readonly env: NodeJS.ProcessEnv;
  readonly configPath: string;
  close(): Promise<void>;
}

/** Where demos live: the per-user runtime directory when there is one, else the temporary directory. */
export function demoBaseDir(env: NodeJS.ProcessEnv): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime !== undefined && runtime.startsWith('/') ? runtime : env.TMPDIR && env.TMPDIR.startsWith('/') ? env.TMPDIR : tmpdir();
}

export function demoDirPrefix(): string {
  return `awsmfa-demo-${typeof process.getuid === 'function' ? process.getuid() : 'user'}-`;
}

/** The command line that runs this very awsmfa, whether bundled, linked from a bin directory, or run from source. */
function selfCommand(): string[] {
  const script = process.argv[1];
  if (script === undefined) return [process.execPath];
  let resolved = script;
  try {
    resolved = realpathSync(script);
  } catch {
    // Keep the path as given.
  }
  return [process.execPath, ...process.execArgv, resolved];
}

const config = (serial: string) => `# The config of the awsmfa demo: a throwaway account on this computer only.
[profile ${DEMO_USER_PROFILE}]
mfa_serial = ${serial}
region = us-east-1

# A role whose trust policy requires MFA; its keys come from [${DEMO_USER_PROFILE}], so one code serves both.
[profile ${DEMO_ROLE_PROFILE}]
role_arn = ${DEMO_ROLE_ARN}
source_profile = ${DEMO_USER_PROFILE}
mfa_serial = ${serial}
region = us-east-1
`;

export interface DemoWorldOptions {
  /** Where the emulator appends every secret it issues (for checks that none is ever shown). */
  readonly secretsLog?: string;
  /** The command line of the awsmfa the demo's shell runs (default: this very program). */
  readonly command?: readonly string[];
}

export async function createDemoWorld(parentEnv: NodeJS.ProcessEnv, options: DemoWorldOptions = {}): Promise<DemoWorld> {
  const base = demoBaseDir(parentEnv);
  await mkdir(base, { recursive: true });
  const dir = await mkdtemp(join(base, demoDirPrefix()));
  let emulator: Emulator | undefined;
  const cleanup = async () => {
    await emulator?.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await chmod(dir, 0o700);
    const totpSecret = randomTotpSecret();
    const [user] = demoUsers(totpSecret);
    if (user === undefined) throw new Error('the demo has no user');
    emulator = await startEmulator({ users: [user], roles: demoRoles(), ...(options.secretsLog === undefined ? {} : { secretsLog: options.secretsLog }) });

    const awsDir = join(dir, 'aws');
    const binDir = join(dir, 'bin');
    await mkdir(awsDir, { mode: 0o700 });
    await mkdir(binDir, { mode: 0o700 });
    await mkdir(join(dir, 'cache'), { mode: 0o700 });
    const configPath = join(awsDir, 'config');
    const credentialsPath = join(awsDir, 'credentials');
    await writeFile(configPath, config(DEMO_MFA_SERIAL), { mode: 0o600 });
    await writeFile(
      credentialsPath,
      `[${DEMO_USER_PROFILE}]\naws_access_key_id = ${user.accessKeyId}\naws_secret_access_key = ${user.secretAccessKey}\n`,
      { mode: 0o600 },
    );
    await writeFile(join(binDir, 'awsmfa'), `#!/bin/sh\nexec ${(options.command ?? selfCommand()).map(quoteSingle).join(' ')} "$@"\n`, { mode: 0o700 });

    const record: DemoRecord = { version: 1, pid: process.pid, endpoint: emulator.url, mfaSerial: DEMO_MFA_SERIAL, totpSecret, createdAt: new Date().toISOString() };
    await writeFile(join(dir, DEMO_RECORD), `${JSON.stringify(record)}\n`, { mode: 0o600 });

    const env: NodeJS.ProcessEnv = { ...parentEnv };
    for (const name of CLEARED_VARIABLES) delete env[name];
    Object.assign(env, {
      AWS_CONFIG_FILE: configPath,
      AWS_SHARED_CREDENTIALS_FILE: credentialsPath,
      AWS_ENDPOINT_URL_STS: emulator.url,
      // The AWS CLI would otherwise page its answers, which gets in the way of a guided tour.
      AWS_PAGER: '',
      XDG_CACHE_HOME: join(dir, 'cache'),
      [DEMO_DIR_VARIABLE]: dir,
      PATH: `${binDir}${delimiter}${parentEnv.PATH ?? '/usr/bin:/bin'}`,
    });
    const running = emulator;
    return { dir, emulator: running, record, env, configPath, close: cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** A demo directory is trusted only if it is a real directory of this user that nobody else can enter. */
export async function isOwnPrivateDir(path: string): Promise<boolean> {
  try {
    const info = await lstat(path);
    const uid = typeof process.getuid === 'function' ? process.getuid() : info.uid;
    return info.isDirectory() && info.uid === uid && (info.mode & 0o077) === 0;
  } catch {
    return false;
  }
}

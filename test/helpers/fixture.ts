/**
 * A world to run awsmfa in: the loopback STS emulator with a user who has an MFA device (and roles),
 * a temporary HOME with ~/.aws/config and credentials for it, and the built CLI run as a user runs it.
 * Children are spawned asynchronously: the emulator answers from this same process.
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomTotpSecret, startEmulator, type Emulator, type EmulatorRole, type EmulatorUser } from '../../src/emulator/index.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist', 'awsmfa.js');

export const ACCOUNT = '123456789012';
export const DOUG_SERIAL = `arn:aws:iam::${ACCOUNT}:mfa/doug`;
export const ADMIN_ROLE = `arn:aws:iam::${ACCOUNT}:role/admin`;
export const AUDIT_ROLE = `arn:aws:iam::${ACCOUNT}:role/audit`;

export function doug(): EmulatorUser {
  return {
    userName: 'doug',
    accountId: ACCOUNT,
    accessKeyId: 'AKIADOUGDOUG0EXAMPLE',
    secretAccessKey: 'dougSecretKeyEXAMPLE/0123456789abcdefghij',
    mfaSerial: DOUG_SERIAL,
    totpSecret: randomTotpSecret(),
  };
}

export const DEFAULT_CONFIG = (user: EmulatorUser) => `# test config
[default]
region = us-east-1

[profile doug]
mfa_serial = ${user.mfaSerial}
region = eu-west-1

[profile nomfa]
region = eu-west-1

[profile admin]
role_arn = ${ADMIN_ROLE}
source_profile = doug
mfa_serial = ${user.mfaSerial}

[profile audit]
role_arn = ${AUDIT_ROLE}
source_profile = doug
mfa_serial = ${user.mfaSerial}
`;

export const DEFAULT_CREDENTIALS = (user: EmulatorUser) => `[doug]
aws_access_key_id = ${user.accessKeyId}
aws_secret_access_key = ${user.secretAccessKey}

[nomfa]
aws_access_key_id = ${user.accessKeyId}
aws_secret_access_key = ${user.secretAccessKey}
`;

export interface World {
  readonly emulator: Emulator;
  readonly user: EmulatorUser;
  readonly home: string;
  readonly configPath: string;
  readonly credentialsPath: string;
  /** Environment for running awsmfa (and shells) in this world: nothing of the outer environment but PATH. */
  readonly env: Record<string, string>;
  code(): string;
  /** How many calls of an action the emulator has answered successfully. */
  count(action: string): number;
  close(): Promise<void>;
}

export interface WorldOptions {
  config?: (user: EmulatorUser) => string;
  credentials?: (user: EmulatorUser) => string;
  roles?: EmulatorRole[];
  users?: EmulatorUser[];
  clockOffsetSeconds?: number;
  /** The emulator's clock in epoch ms, for tests that move time. */
  now?: () => number;
}

export async function createWorld(options: WorldOptions = {}): Promise<World> {
  const user = doug();
  const roles = options.roles ?? [
    { arn: ADMIN_ROLE, requireMfa: true, maxSessionDurationSeconds: 43_200 },
    { arn: AUDIT_ROLE, requireMfa: true },
  ];
  const emulator = await startEmulator({
    users: [user, ...(options.users ?? [])],
    roles,
    ...(options.clockOffsetSeconds === undefined ? {} : { clockOffsetSeconds: options.clockOffsetSeconds }),
    ...(options.now === undefined ? {} : { now: options.now }),
    // Opt-in: a run of the whole suite can then be checked for leaked secrets (scripts/check-secrets.mjs).
    ...(process.env.AWSMFA_EMULATOR_SECRETS_LOG ? { secretsLog: process.env.AWSMFA_EMULATOR_SECRETS_LOG } : {}),
  });
  const home = await mkdtemp(join(tmpdir(), 'awsmfa-test-'));
  const configPath = join(home, '.aws', 'config');
  const credentialsPath = join(home, '.aws', 'credentials');
  await mkdir(join(home, '.aws'), { recursive: true });
  await writeFile(configPath, (options.config ?? DEFAULT_CONFIG)(user));
  await writeFile(credentialsPath, (options.credentials ?? DEFAULT_CREDENTIALS)(user), { mode: 0o600 });
  // `awsmfa` on PATH, as an installed one would be, running this checkout's build.
  const bin = join(home, 'bin');
  await mkdir(bin);
  await writeFile(join(bin, 'awsmfa'), `#!/bin/sh\nexec '${process.execPath}' '${CLI}' "$@"\n`, { mode: 0o755 });
  const env: Record<string, string> = {
    PATH: `${bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    LANG: 'C.UTF-8',
    AWS_CONFIG_FILE: configPath,
    AWS_SHARED_CREDENTIALS_FILE: credentialsPath,
    AWS_ENDPOINT_URL_STS: emulator.url,
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_HOME: join(home, '.config'),
    NO_COLOR: '1',
  };
  const usedSteps = new Set<number>();
  return {
    emulator,
    user,
    home,
    configPath,
    credentialsPath,
    env,
    code() {
      // STS accepts the codes of the steps either side of now, so there are two unused codes at any
      // time: this step's and the next one's, each usable once.
      const step = Math.floor(Date.now() / 30_000);
      const free = [step, step + 1].find((candidate) => !usedSteps.has(candidate));
      if (free === undefined) throw new Error('no unused MFA code left in this 30-second step');
      usedSteps.add(free);
      return emulator.code(user.mfaSerial!, free * 30 + 15);
    },
    count(action) {
      return emulator.calls.filter((call) => call.action === action && call.ok).length;
    },
    async close() {
      await emulator.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

export interface RunResult {
  readonly stdout: string;
  readonly stderr: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** Runs a program asynchronously with exactly `env`, feeding `stdin`. */
export function runProgram(program: string, args: readonly string[], options: { env: Record<string, string>; stdin?: string; cwd?: string; timeoutMs?: number }): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { env: options.env, cwd: options.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'], timeout: options.timeoutMs ?? 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ stdout, stderr, code, signal }));
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.stdin ?? '');
  });
}

/** Runs the built CLI (dist/awsmfa.js) as a user would. */
export function awsmfa(args: readonly string[], options: { env: Record<string, string>; stdin?: string }): Promise<RunResult> {
  return runProgram(process.execPath, [CLI, ...args], options);
}

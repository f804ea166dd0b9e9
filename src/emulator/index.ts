/**
 * A loopback STS: GetSessionToken, AssumeRole and GetCallerIdentity over the AWS Query protocol with
 * SigV4 authentication and TOTP MFA devices, close enough to AWS that the real SDK and the real `aws`
 * CLI work against it. Used by the tests and by `awsmfa demo`.
 */
import { appendFileSync } from 'node:fs';
import type { Emulator, EmulatorCall, EmulatorOptions } from './options.js';
import { startServer } from './server.js';
import { EmulatorState } from './state.js';

export type { Emulator, EmulatorCall, EmulatorOptions, EmulatorRole, EmulatorUser, IssuedCredentials } from './options.js';
export { totpCode, randomTotpSecret } from './totp.js';
export { DEMO_ACCOUNT_ID, DEMO_MFA_SERIAL, DEMO_ROLE_ARN, DEMO_USER_NAME, demoRoles, demoUsers } from './demo.js';

export async function startEmulator(options: EmulatorOptions): Promise<Emulator> {
  const state = new EmulatorState(options);
  if (options.secretsLog !== undefined) {
    const log = options.secretsLog;
    appendFileSync(log, options.users.map((user) => `${user.secretAccessKey}\n`).join(''), { mode: 0o600 });
    state.onIssue = (session) => appendFileSync(log, `${session.secretAccessKey}\n${session.sessionToken}\n`);
  }
  const realNow = options.now ?? Date.now;
  const offsetMs = (options.clockOffsetSeconds ?? 0) * 1000;
  const clock = () => realNow() + offsetMs;
  const calls: EmulatorCall[] = [];
  const server = await startServer({ state, clock, calls, host: options.host ?? '127.0.0.1' });
  return {
    url: server.url,
    calls,
    code: (mfaSerial, atEpochSeconds) => state.code(mfaSerial, atEpochSeconds ?? clock() / 1000),
    issued: () => state.issuedSessions().map(({ accessKeyId, secretAccessKey, sessionToken }) => ({ accessKeyId, secretAccessKey, sessionToken })),
    close: () => server.close(),
  };
}

/**
 * One profile as `env` would use it: it exists, its source_profile chain ends at long-term keys, its
 * mfa_serial names a device STS can check codes of, and its durations are within AWS's limits.
 */
import type { ProfileSet, ResolvedProfile } from '../aws/profiles.js';
import { checkRoleDuration, checkSessionDuration } from '../aws/sts.js';
import { AwsmfaError } from '../errors.js';
import { accountOf } from '../report/sessions.js';
import { describeLoginSession, loginSessionOf, renewCommand, type LoginSession } from '../aws/login-session.js';
import { describeExpiry } from '../output.js';
import { checkKeyring } from './keyring.js';
import { result, type CheckResult } from './report.js';

/** What STS accepts as SerialNumber: a virtual or hardware device's ARN, or a hardware token's serial. */
const MFA_ARN = /^arn:aws[\w-]*:iam::(\d{12}):mfa\/[\w+=,.@/-]+$/;
const FIDO_ARN = /^arn:aws[\w-]*:iam::\d{12}:u2f\//;
const HARDWARE_SERIAL = /^[\w+=/:,.@-]{9,256}$/;

/** `AKIA…MPLE`: enough to recognise a key in the IAM console, not enough to use it. */
export function maskKeyId(keyId: string): string {
  return keyId.length <= 8 ? '…' : `${keyId.slice(0, 4)}…${keyId.slice(-4)}`;
}

export function checkProfile(profiles: ProfileSet, name: string): { results: CheckResult[]; resolved: ResolvedProfile | undefined } {
  if (!profiles.has(name)) {
    const error = profiles.unknownProfile(name);
    return { results: [result('profile', 'fail', error.message, error.hint)], resolved: undefined };
  }
  const login = loginSessionOf(profiles, name);
  if (login !== undefined) return { results: [checkLoginSession(login)], resolved: undefined };
  let resolved: ResolvedProfile;
  try {
    resolved = profiles.resolve(name);
  } catch (error) {
    if (!(error instanceof AwsmfaError)) throw error;
    return { results: [result('keys', 'fail', error.message, error.hint)], resolved: undefined };
  }
  const results: CheckResult[] = [];
  const via = resolved.chain.length > 2 ? ` (through ${resolved.chain.slice(1, -1).map((n) => `[${n}]`).join(' → ')})` : '';
  const { keys } = resolved;
  if (/^AKIA[A-Z0-9]{12,124}$/.test(keys.accessKeyId)) {
    results.push(result('keys', 'ok', `[${name}]: long-term key ${maskKeyId(keys.accessKeyId)} in [${keys.profile}] of ${keys.file}${via}`));
  } else {
    results.push(
      result('keys', 'warn', `the access key ${maskKeyId(keys.accessKeyId)} in [${keys.profile}] of ${keys.file} does not look like an IAM user's long-term key (AKIA…)`, `Put the IAM user's access key (AKIA…) in [${keys.profile}] of ${keys.file}.`),
    );
  }
  results.push(...checkKeyring(profiles, resolved));
  results.push(checkSerial(profiles, resolved));
  const duration = checkDurations(profiles, resolved);
  if (duration !== undefined) results.push(duration);
  return { results, resolved };
}

/** A profile `awsmfa login` wrote holds a session: whose it is and when it ends, and how to renew it once it has. */
function checkLoginSession(session: LoginSession, nowMs: number = Date.now()): CheckResult {
  const what = `[${session.profile}]: ${describeLoginSession(session)} in ${session.file}`;
  if (session.expiration === undefined) {
    return result('login-session', 'warn', `${what}, with an expiration that cannot be read`, `Write it again: ${renewCommand(session)}.`);
  }
  if (Date.parse(session.expiration) <= nowMs) {
    return result('login-session', 'fail', `${what}, ${describeExpiry(session.expiration, nowMs)}`, `Renew it: ${renewCommand(session)}.`);
  }
  return result('login-session', 'ok', `${what}, ${describeExpiry(session.expiration, nowMs)}; tools use it with --profile ${session.profile}`);
}

function checkSerial(profiles: ProfileSet, profile: ResolvedProfile): CheckResult {
  const name = profile.name;
  const setting = profiles.chainSetting(profile.chain, 'mfa_serial');
  if (setting === undefined) {
    if (profile.roles.length > 0) {
      return result('mfa-serial', 'info', `[${name}] has no mfa_serial: its role is assumed without MFA (a trust policy that requires MFA will refuse it)`);
    }
    return result(
      'mfa-serial',
      'fail',
      `[${name}] has no mfa_serial, so awsmfa cannot ask for a code`,
      `Add mfa_serial = arn:aws:iam::ACCOUNT:mfa/DEVICE to [profile ${name}] in ${profiles.files.configPath} (IAM console → Security credentials → MFA).`,
    );
  }
  const where = `[${name}]: mfa_serial${setting.profile === name ? '' : ` (from [${setting.profile}])`} in ${setting.file}`;
  const serial = setting.value;
  if (FIDO_ARN.test(serial)) {
    return result('mfa-serial', 'fail', `${where} is a FIDO security key (${serial}); STS takes codes only from virtual or hardware TOTP devices`, 'Register a virtual MFA device (an authenticator app) for the IAM user and use its ARN.');
  }
  if (MFA_ARN.test(serial)) return result('mfa-serial', 'ok', `${where} is the MFA device ${serial}`);
  if (serial.startsWith('arn:')) {
    return result('mfa-serial', 'fail', `${where} is an ARN but not an MFA device's: ${serial}`, 'It looks like arn:aws:iam::123456789012:mfa/doug (IAM console → Security credentials → MFA).');
  }
  if (HARDWARE_SERIAL.test(serial)) return result('mfa-serial', 'ok', `${where} is the hardware token ${serial}`);
  return result('mfa-serial', 'fail', `${where} is not an MFA device ARN or serial: ${JSON.stringify(serial)}`, 'It looks like arn:aws:iam::123456789012:mfa/doug (IAM console → Security credentials → MFA).');
}

function checkDurations(profiles: ProfileSet, profile: ResolvedProfile): CheckResult | undefined {
  try {
    if (profile.roles.length === 0) {
      if (profile.durationSeconds !== undefined) checkSessionDuration(profile.durationSeconds, `duration_seconds of [${profile.name}]`);
    } else {
      profile.roles.forEach((hop, index) => {
        if (hop.durationSeconds !== undefined) checkRoleDuration(hop.durationSeconds, `duration_seconds of [${hop.profile}]`, index > 0);
      });
    }
  } catch (error) {
    if (!(error instanceof AwsmfaError)) throw error;
    return result('duration', 'fail', `${error.message} (in ${profiles.files.configPath})`, error.hint);
  }
  return undefined;
}

/** The account of the MFA device ARN, which is always the IAM user's own account. */
export function serialAccount(profile: ResolvedProfile): string | undefined {
  return profile.mfaSerial === undefined ? undefined : accountOf(profile.mfaSerial);
}

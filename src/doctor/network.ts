/**
 * The checks that ask STS: how far this computer's clock is from AWS's, and whether AWS accepts the
 * long-term keys. Both matter before the first code is typed: a TOTP code is only valid for its
 * 30-second window, and SigV4 refuses requests signed more than 5 minutes off.
 */
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { ResolvedProfile } from '../aws/profiles.js';
import { explainStsError, stsClient, type StsTarget } from '../aws/sts.js';
import { AwsmfaError } from '../errors.js';
import { accountOf } from '../report/sessions.js';
import { maskKeyId, serialAccount } from './profiles.js';
import { platform } from '../platform/index.js';
import { result, type CheckResult } from './report.js';

/** Above this, TOTP codes start to fail at the edges of their window. */
export const CLOCK_WARN_SECONDS = 30;

export function endpointOf(target: StsTarget): string {
  return target.endpoint ?? `https://sts.${target.region}.amazonaws.com`;
}

/**
 * AWS's time from the Date header of an unsigned request: any answer has one, an error included, so
 * no valid keys are needed. The header has whole seconds; the midpoint of the round trip stands for
 * the moment it was written.
 */
export function measureClockOffset(endpoint: string, timeoutMs: number): Promise<{ offsetSeconds: number; roundTripMs: number }> {
  return new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      reject(Object.assign(new Error(`${endpoint} is not a URL`), { code: 'EINVAL' }));
      return;
    }
    let started = Date.now();
    const send = url.protocol === 'http:' ? httpRequest : httpsRequest;
    const req = send(url, { method: 'GET', timeout: timeoutMs, headers: { 'user-agent': 'awsmfa-doctor' } }, (response) => {
      const finished = Date.now();
      response.resume();
      const date = Date.parse(response.headers.date ?? '');
      if (Number.isNaN(date)) {
        reject(Object.assign(new Error(`the answer from ${endpoint} has no Date header`), { name: 'NoDateHeader' }));
        return;
      }
      const midpoint = (started + finished) / 2;
      resolve({ offsetSeconds: Math.round((date + 500 - midpoint) / 1000), roundTripMs: finished - started });
    });
    // Timed from when the request has been handed to the network, so that connecting (and TLS) don't count.
    req.on('finish', () => (started = Date.now()));
    req.on('timeout', () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
}

export async function checkClock(target: StsTarget, profile: string): Promise<CheckResult> {
  const endpoint = endpointOf(target);
  try {
    const { offsetSeconds } = await measureClockOffset(endpoint, target.timeoutMs);
    const size = Math.abs(offsetSeconds);
    const direction = offsetSeconds > 0 ? 'behind' : 'ahead of';
    if (size <= CLOCK_WARN_SECONDS) {
      return result('clock', 'ok', `this computer's clock is within ${Math.max(size, 1)} s of STS's (${endpoint})`);
    }
    return result(
      'clock',
      'warn',
      `this computer's clock is ${size} s ${direction} STS's (${endpoint}); MFA codes ${size > 300 ? 'and request signatures ' : ''}fail when clocks differ`,
      platform.clockHint,
    );
  } catch (error) {
    if ((error as Error).name === 'NoDateHeader') {
      return result('clock', 'warn', `${(error as Error).message}, so the clock could not be compared`, 'If you set an STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, endpoint_url), check that it is STS.');
    }
    const explained = explainStsError(error, { action: 'GetCallerIdentity', profile, keysProfile: profile, keysFile: '', serial: undefined, endpoint });
    return result('clock', 'fail', explained.message, fixFromDoctor(explained.hint, endpoint));
  }
}

/** GetCallerIdentity needs no permission and cannot be denied, so it tests the keys and nothing else. */
export async function checkKeys(profile: ResolvedProfile, target: StsTarget): Promise<CheckResult[]> {
  const { keys } = profile;
  let secretAccessKey: string;
  try {
    secretAccessKey = keys.secretAccessKey;
  } catch (error) {
    // A secret in a keyring that cannot be read: the keyring check has said why.
    if (!(error instanceof AwsmfaError)) throw error;
    return [result('keys-valid', 'skip', `did not ask AWS about the key ${maskKeyId(keys.accessKeyId)} of [${keys.profile}]: its secret could not be read`)];
  }
  const client = await stsClient(target, { accessKeyId: keys.accessKeyId, secretAccessKey });
  try {
    const identity = await client.getCallerIdentity();
    const results = [result('keys-valid', 'ok', `AWS accepts the key ${maskKeyId(keys.accessKeyId)} of [${keys.profile}]: ${identity.arn ?? 'unknown identity'}`)];
    const keysAccount = identity.account ?? accountOf(identity.arn);
    const deviceAccount = serialAccount(profile);
    if (deviceAccount !== undefined && keysAccount !== undefined && deviceAccount !== keysAccount) {
      results.push(
        result(
          'mfa-account',
          'fail',
          `mfa_serial of [${profile.name}] is a device of account ${deviceAccount}, but the key of [${keys.profile}] belongs to account ${keysAccount}`,
          `Use the ARN of the MFA device of ${identity.arn ?? 'that user'} (IAM console → Security credentials → MFA).`,
        ),
      );
    }
    if (identity.arn !== undefined && /:root$/.test(identity.arn)) {
      results.push(result('root-user', 'warn', `the key of [${keys.profile}] is the account's root user key: sessions last at most 1 hour and roles cannot be assumed`, 'Create an IAM user with its own MFA device and use its keys instead.'));
    }
    return results;
  } catch (error) {
    const explained = explainStsError(error, {
      action: 'GetCallerIdentity',
      profile: profile.name,
      keysProfile: keys.profile,
      keysFile: keys.file,
      serial: profile.mfaSerial,
      endpoint: endpointOf(target),
    });
    return [result('keys-valid', 'fail', explained.message, fixFromDoctor(explained.hint, endpointOf(target), keys))];
  } finally {
    client.destroy();
  }
}

/**
 * The STS explanations end in "run `awsmfa doctor`" where nothing more specific is known; doctor is
 * already running, so it says what it can check by hand instead.
 */
function fixFromDoctor(hint: string | undefined, endpoint: string, keys?: { profile: string; file: string }): string | undefined {
  if (hint === undefined || !hint.includes('awsmfa doctor')) return hint;
  const key = keys === undefined ? '' : `the key of [${keys.profile}] in ${keys.file} (IAM console → Security credentials → Access keys), and `;
  return `Check ${key}that ${endpoint} is STS; \`--debug\` shows the request and the answer.`;
}

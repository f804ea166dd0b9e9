/** A ready-made account for `awsmfa demo`: one IAM user with a virtual MFA device, one role that requires MFA. */
import type { EmulatorRole, EmulatorUser } from './options.js';
import { randomTotpSecret } from './totp.js';

export const DEMO_ACCOUNT_ID = '123456789012';
export const DEMO_USER_NAME = 'demo';
export const DEMO_MFA_SERIAL = `arn:aws:iam::${DEMO_ACCOUNT_ID}:mfa/${DEMO_USER_NAME}`;
export const DEMO_ROLE_ARN = `arn:aws:iam::${DEMO_ACCOUNT_ID}:role/demo-admin`;

/** The demo user; its device gets a fresh secret on each call unless one is given. */
export function demoUsers(totpSecret: string = randomTotpSecret()): EmulatorUser[] {
  return [
    {
      userName: DEMO_USER_NAME,
      accountId: DEMO_ACCOUNT_ID,
      // AWS's documentation example keys: recognisably not real.
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      mfaSerial: DEMO_MFA_SERIAL,
      totpSecret,
    },
  ];
}

export function demoRoles(): EmulatorRole[] {
  return [{ arn: DEMO_ROLE_ARN, requireMfa: true, maxSessionDurationSeconds: 3600 }];
}

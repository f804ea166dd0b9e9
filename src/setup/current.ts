/**
 * The profile `awsmfa setup` is about, as the files have it now: what a re-run proposes, where its
 * secret is, and which profiles setup must not turn into something else.
 */
import { KEYRING_SETTING, marksKeyring, readKeyringSecret } from '../aws/keyring.js';
import type { ProfileSet } from '../aws/profiles.js';
import { AwsmfaError } from '../errors.js';
import { configSectionName } from './answers.js';

export type SecretStore = 'file' | 'keyring';

export interface CurrentProfile {
  readonly name: string;
  readonly exists: boolean;
  readonly accessKeyId: string | undefined;
  /** Where the secret is now; undefined when there is none. */
  readonly store: SecretStore | undefined;
  /** The secret is in the keyring, and a plain-text copy is still in a file. */
  readonly plaintextCopy: boolean;
  readonly mfaSerial: string | undefined;
  readonly region: string | undefined;
  readonly durationSeconds: string | undefined;
  /** The profile's config section as it is, carried into the session that proves the device. */
  readonly configSection: Readonly<Record<string, string>>;
  /** Reads the current secret (from the keyring, if it is there). */
  secret(): string;
}

/** Settings that make the AWS CLI get credentials another way than from the profile's keys. */
const OTHER_SOURCES = ['role_arn', 'credential_process', 'sso_session', 'sso_start_url', 'web_identity_token_file'] as const;

export function currentProfile(profiles: ProfileSet, name: string): CurrentProfile {
  const other = OTHER_SOURCES.find((key) => profiles.value(name, key) !== undefined);
  if (other !== undefined) {
    const where = profiles.setting(name, other)!.file;
    throw new AwsmfaError(`[${configSectionName(name)}] in ${where} has ${other}: it gets its credentials another way, not from an IAM user's keys`, {
      hint: other === 'role_arn'
        ? `Run setup for the profile with the user's keys (its source_profile${profiles.value(name, 'source_profile') === undefined ? '' : ` ${profiles.value(name, 'source_profile')}`}), or choose a new name.`
        : 'Choose another profile name for the IAM user, e.g. awsmfa setup work.',
    });
  }
  const accessKeyId = profiles.value(name, 'aws_access_key_id');
  const fileSecret = profiles.value(name, 'aws_secret_access_key');
  const inKeyring = accessKeyId !== undefined && marksKeyring(profiles.value(name, KEYRING_SETTING));
  const store: SecretStore | undefined = inKeyring ? 'keyring' : fileSecret !== undefined ? 'file' : undefined;
  return {
    name,
    exists: profiles.has(name),
    accessKeyId,
    store,
    plaintextCopy: inKeyring && fileSecret !== undefined,
    mfaSerial: profiles.value(name, 'mfa_serial'),
    region: profiles.value(name, 'region'),
    durationSeconds: profiles.value(name, 'duration_seconds'),
    configSection: { ...(profiles.configSection(name) ?? {}) },
    secret() {
      if (store === 'keyring') return readKeyringSecret(accessKeyId!, name);
      if (fileSecret === undefined) throw new Error(`[${name}] has no secret to keep`);
      return fileSecret;
    },
  };
}

/** Other profiles whose secret is the keyring entry of the same access key, which must then stay. */
export function othersInKeyring(profiles: ProfileSet, accessKeyId: string, except: string): string[] {
  return profiles
    .names()
    .filter((name) => name !== except && profiles.value(name, 'aws_access_key_id') === accessKeyId && marksKeyring(profiles.value(name, KEYRING_SETTING)));
}

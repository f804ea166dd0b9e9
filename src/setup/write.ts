/**
 * Writing what setup decided: `[profile NAME]` in ~/.aws/config, the keys in ~/.aws/credentials, the
 * secret there or in the OS keyring. Each file is updated with the byte-preserving atomic INI writer;
 * across the files (and the keyring), the order is chosen so that a run stopped half-way leaves a profile
 * that still works: whatever adds the secret somewhere is done before whatever takes it away elsewhere.
 */
import { deleteByHand, deleteKeyringSecret, KEYRING_SETTING, KeyringError, keyringName, storeKeyringSecret } from '../aws/keyring.js';
import { updateIniFile, type IniValues } from '../aws/ini-file.js';
import type { ProfileSet } from '../aws/profiles.js';
import { platform } from '../platform/index.js';
import { configSectionName } from './answers.js';
import { othersInKeyring, type CurrentProfile, type SecretStore } from './current.js';

export interface ProfileRecord {
  readonly name: string;
  readonly accessKeyId: string;
  readonly secret: string;
  readonly mfaSerial: string;
  readonly region: string | undefined;
  readonly durationSeconds: number | undefined;
  readonly store: SecretStore;
}

/** Keys that mean a session, not long-term keys; left in the section, they would make it unusable. */
const SESSION_KEYS = { aws_session_token: null, aws_security_token: null } as const;

/** A credentials file others can read is made private before a secret is written to it. */
function makePrivate(path: string): Promise<string | undefined> {
  return platform.makeFilePrivate(path);
}

/**
 * Deletes a keyring entry no other profile uses. Once the files no longer point at it, a failure is
 * reported rather than thrown (`strict` = false): the profile works, only a stale secret is left.
 */
function deleteUnsharedEntry(profiles: ProfileSet, accessKeyId: string, name: string, done: string[], strict: boolean): void {
  const sharing = othersInKeyring(profiles, accessKeyId, name);
  if (sharing.length > 0) {
    done.push(`kept the secret of ${accessKeyId} in ${keyringName()}: ${sharing.map((other) => `[${other}]`).join(', ')} still use${sharing.length === 1 ? 's' : ''} it`);
    return;
  }
  try {
    if (deleteKeyringSecret(accessKeyId, name)) done.push(`deleted the secret of ${accessKeyId} from ${keyringName()}`);
  } catch (error) {
    if (strict || !(error instanceof KeyringError)) throw error;
    done.push(`could not delete the old secret of ${accessKeyId} from ${keyringName()}, which cannot be reached now; once it can, delete it with: ${deleteByHand(accessKeyId)}`);
  }
}

function configValues(record: Pick<ProfileRecord, 'store'> & Partial<ProfileRecord>): IniValues {
  return {
    ...(record.mfaSerial === undefined ? {} : { mfa_serial: record.mfaSerial }),
    ...(record.region === undefined ? {} : { region: record.region }),
    ...(record.durationSeconds === undefined ? {} : { duration_seconds: String(record.durationSeconds) }),
    [KEYRING_SETTING]: record.store === 'keyring' ? 'true' : null,
    // Keys kept in the config file move to the credentials file (and a stale copy never stays behind).
    aws_access_key_id: null,
    aws_secret_access_key: null,
    ...SESSION_KEYS,
  };
}

function credentialValues(record: { accessKeyId: string; secret: string; store: SecretStore; settings: readonly string[] }): IniValues {
  return {
    aws_access_key_id: record.accessKeyId,
    aws_secret_access_key: record.store === 'file' ? record.secret : null,
    ...SESSION_KEYS,
    // Settings written to the config file would be shadowed by a copy here: the credentials file wins.
    ...Object.fromEntries(record.settings.map((key) => [key, null])),
  };
}

/** Writes the whole profile. Returns what was done, one line each, for the person to read. */
export async function writeProfile(record: ProfileRecord, current: CurrentProfile, profiles: ProfileSet): Promise<string[]> {
  const { configPath, credentialsPath } = profiles.files;
  const done: string[] = [];
  const settings = ['mfa_serial', KEYRING_SETTING, ...(record.region === undefined ? [] : ['region']), ...(record.durationSeconds === undefined ? [] : ['duration_seconds'])];
  const writeConfig = async () => {
    const result = await updateIniFile(configPath, configSectionName(record.name), configValues(record));
    done.push(result.changed ? `wrote [${configSectionName(record.name)}] to ${result.path}` : `[${configSectionName(record.name)}] in ${result.path}: unchanged`);
  };
  const writeCredentials = async () => {
    const chmodded = await makePrivate(credentialsPath);
    if (chmodded !== undefined) done.push(chmodded);
    const result = await updateIniFile(credentialsPath, record.name, credentialValues({ ...record, settings }));
    const what = record.store === 'file' ? 'the access key and its secret' : 'the access key ID (no secret)';
    done.push(result.changed ? `wrote ${what} to [${record.name}] in ${result.path}` : `${what} in [${record.name}] of ${result.path}: unchanged`);
  };
  const previousKey = current.store === 'keyring' ? current.accessKeyId : undefined;
  if (record.store === 'keyring') {
    storeKeyringSecret(record.accessKeyId, record.secret, record.name);
    done.push(`stored the secret in ${keyringName()} (service awsmfa, account ${record.accessKeyId})`);
    await writeConfig();
    await writeCredentials();
  } else {
    await writeCredentials();
    await writeConfig();
  }
  if (previousKey !== undefined && (previousKey !== record.accessKeyId || record.store === 'file')) deleteUnsharedEntry(profiles, previousKey, record.name, done, false);
  return done;
}

/** Moves the secret of a complete profile between the credentials file and the keyring; nothing else changes. */
export async function moveSecret(current: CurrentProfile, to: SecretStore, profiles: ProfileSet): Promise<string[]> {
  const accessKeyId = current.accessKeyId!;
  const secret = current.secret();
  const done: string[] = [];
  const { configPath, credentialsPath } = profiles.files;
  const section = configSectionName(current.name);
  if (to === 'keyring') {
    storeKeyringSecret(accessKeyId, secret, current.name);
    done.push(`stored the secret in ${keyringName()} (service awsmfa, account ${accessKeyId})`);
    const config = await updateIniFile(configPath, section, { [KEYRING_SETTING]: 'true', aws_access_key_id: null, aws_secret_access_key: null });
    done.push(`marked [${section}] in ${config.path} with ${KEYRING_SETTING} = true`);
    const credentials = await updateIniFile(credentialsPath, current.name, { aws_access_key_id: accessKeyId, aws_secret_access_key: null });
    done.push(`removed the secret from [${current.name}] of ${credentials.path}`);
  } else {
    const chmodded = await makePrivate(credentialsPath);
    if (chmodded !== undefined) done.push(chmodded);
    const credentials = await updateIniFile(credentialsPath, current.name, { aws_access_key_id: accessKeyId, aws_secret_access_key: secret });
    done.push(`wrote the secret to [${current.name}] of ${credentials.path}`);
    const config = await updateIniFile(configPath, section, { [KEYRING_SETTING]: null });
    done.push(`removed ${KEYRING_SETTING} from [${section}] in ${config.path}`);
    deleteUnsharedEntry(profiles, accessKeyId, current.name, done, false);
  }
  return done;
}

/** The keys of `values` that the section holds, named as they are written. */
function presentKeys(section: Readonly<Record<string, string>> | undefined, values: IniValues): string[] {
  return Object.keys(values).filter((key) => section?.[key] !== undefined);
}

/** Forgets the profile's long-term keys wherever they are; the rest of the profile stays. */
export async function removeKeys(current: CurrentProfile, profiles: ProfileSet): Promise<string[]> {
  const done: string[] = [];
  const { configPath, credentialsPath } = profiles.files;
  const section = configSectionName(current.name);
  const gone = { aws_access_key_id: null, aws_secret_access_key: null, ...SESSION_KEYS };
  // The keyring first: if it cannot be reached, the files still say where the secret is.
  if (current.store === 'keyring') deleteUnsharedEntry(profiles, current.accessKeyId!, current.name, done, true);
  const credentialsKeys = presentKeys(profiles.credentialsSection(current.name), gone);
  if (credentialsKeys.length > 0) {
    const credentials = await updateIniFile(credentialsPath, current.name, gone, { dropEmptySection: true });
    if (credentials.changed) done.push(`removed ${credentialsKeys.join(', ')} from [${current.name}] of ${credentials.path}`);
  }
  const configKeys = presentKeys(profiles.configSection(current.name), { ...gone, [KEYRING_SETTING]: null });
  if (configKeys.length > 0) {
    const config = await updateIniFile(configPath, section, { ...gone, [KEYRING_SETTING]: null });
    if (config.changed) done.push(`removed ${configKeys.join(', ')} from [${section}] in ${config.path}`);
  }
  return done;
}

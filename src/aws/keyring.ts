/**
 * Long-term secrets kept in the operating system's keyring instead of ~/.aws/credentials: the macOS
 * Keychain, the Windows Credential Manager, or a Secret Service on Linux (GNOME Keyring, KWallet,
 * KeePassXC). A profile opts in with `awsmfa_keyring = true` in ~/.aws/config, a key the AWS CLI and the
 * SDKs ignore; its access key id stays in the credentials file, and the secret is stored under the
 * service "awsmfa" with the access key id as the account.
 *
 * The native binding is loaded only when a secret is read or written, never at start-up, and loaded
 * with a plain require: a keyring secret is read where the rest of the profile is read, synchronously.
 */
import { AwsmfaError } from '../errors.js';
import { platform } from '../platform/index.js';
import { lazyRequire } from '../platform/lazy-require.js';
import { nodeOs } from '../platform/node-os.js';
import type { LongTermKeys } from './profiles.js';

export const KEYRING_SERVICE = 'awsmfa';

/** The key in the profile's section of ~/.aws/config that says the secret is in the keyring. */
export const KEYRING_SETTING = 'awsmfa_keyring';

interface KeyringEntry {
  getPassword(): string | null;
  setPassword(password: string): void;
  deleteCredential(): boolean;
}

interface KeyringBinding {
  Entry: new (service: string, account: string, options?: { linux?: { store?: 'secret-service' | 'keyutils' } }) => KeyringEntry;
}

/** The keyring of this system, as a person knows it. */
export function keyringName(): string {
  return platform.keyringName;
}

/** The command that deletes the entry of an access key by hand, with this system's own keyring tool. */
export function deleteByHand(accessKeyId: string): string {
  return platform.keyringDeleteCommand(KEYRING_SERVICE, accessKeyId);
}

export function marksKeyring(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** A keyring that cannot be reached or used: the message says which, the hint how to do without. */
export class KeyringError extends AwsmfaError {}

function fallbackHint(profile: string | undefined): string {
  const name = profile ?? 'PROFILE';
  // Followed as written this works even with the keyring gone: setup asks for the secret it cannot read.
  return `${platform.keyringStartHint}or keep the secret in the credentials file instead: awsmfa setup ${name} --store file (it asks for the secret when the keyring cannot give it)`;
}

let binding: KeyringBinding | undefined;

function load(profile: string | undefined): KeyringBinding {
  if (binding !== undefined) return binding;
  try {
    binding = lazyRequire('@napi-rs/keyring') as KeyringBinding;
    return binding;
  } catch (error) {
    throw new KeyringError(`the keyring cannot be used on this system (${nodeOs().type()} ${nodeOs().arch()}): its module @napi-rs/keyring did not load (${firstLine(error)})`, {
      hint: fallbackHint(profile),
      cause: error,
    });
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
}

/** The binding's errors in words: a locked keyring, no keyring service at all, or something else. */
function explain(error: unknown, doing: string, profile: string | undefined): KeyringError {
  if (error instanceof KeyringError) return error;
  const detail = firstLine(error);
  let message: string;
  if (/\blocked\b/i.test(detail)) {
    message = `${keyringName()} is locked, so awsmfa cannot ${doing} (${detail})`;
  } else if (/dbus|autolaunch|no result found|NoStorageAccess|platform storage|platform failure|ServiceUnknown|not provided by any \.service/i.test(detail)) {
    message = `no keyring service is reachable to ${doing}: ${keyringName()} is not running in this session, or has no keyring to keep secrets in (${detail})`;
  } else {
    message = `${keyringName()} refused to ${doing} (${detail})`;
  }
  return new KeyringError(message, { hint: fallbackHint(profile), cause: error });
}

function entry(accessKeyId: string, profile: string | undefined, doing: string): KeyringEntry {
  const { Entry } = load(profile);
  try {
    // Pinned to the Secret Service on Linux: the binding would otherwise fall back to the kernel's
    // keyring, which forgets everything at logout, and a long-term key must outlive the session.
    return new Entry(KEYRING_SERVICE, accessKeyId, { linux: { store: 'secret-service' } });
  } catch (error) {
    throw explain(error, doing, profile);
  }
}

/** The secret stored for the access key, or undefined when the keyring has none. */
export function findKeyringSecret(accessKeyId: string, profile?: string): string | undefined {
  const doing = `read the secret of ${accessKeyId}`;
  const keyring = entry(accessKeyId, profile, doing);
  let stored: string | null;
  try {
    stored = keyring.getPassword();
  } catch (error) {
    throw explain(error, doing, profile);
  }
  return stored === null || stored === '' ? undefined : stored;
}

export function readKeyringSecret(accessKeyId: string, profile: string): string {
  const secret = findKeyringSecret(accessKeyId, profile);
  if (secret === undefined) {
    throw new KeyringError(`the secret of [${profile}] (key ${accessKeyId}) is not in ${keyringName()}, although ${KEYRING_SETTING} = true says it is there`, {
      hint: `Store it again: awsmfa setup ${profile} (it asks for the secret; or pipe it in with --secret-stdin), or keep it in the credentials file: awsmfa setup ${profile} --store file (it asks for the secret; with no terminal, pipe it in with --secret-stdin).`,
    });
  }
  return secret;
}

/** Stores the secret and reads it back, so that a keyring that silently dropped it is noticed now. */
export function storeKeyringSecret(accessKeyId: string, secret: string, profile: string): void {
  const doing = `store the secret of ${accessKeyId}`;
  const keyring = entry(accessKeyId, profile, doing);
  try {
    keyring.setPassword(secret);
  } catch (error) {
    throw explain(error, doing, profile);
  }
  if (findKeyringSecret(accessKeyId, profile) !== secret) {
    throw new KeyringError(`${keyringName()} did not keep the secret of ${accessKeyId}`, { hint: fallbackHint(profile) });
  }
}

/** Deletes the stored secret; false when there was none. */
export function deleteKeyringSecret(accessKeyId: string, profile: string): boolean {
  const doing = `delete the secret of ${accessKeyId}`;
  const keyring = entry(accessKeyId, profile, doing);
  try {
    return keyring.deleteCredential();
  } catch (error) {
    throw explain(error, doing, profile);
  }
}

/** Fails now, with the reason, when no keyring can be reached: before a question is asked or a code spent. */
export function probeKeyring(profile: string): void {
  const doing = `keep the secret of [${profile}]`;
  const keyring = entry(`${KEYRING_SERVICE}-probe`, profile, doing);
  try {
    keyring.getPassword();
  } catch (error) {
    throw explain(error, doing, profile);
  }
}

/**
 * Keys whose secret is read from the keyring when it is first used, not when the profile is resolved:
 * listing profiles, or using a cached session, never touches the keyring (or asks to unlock it).
 */
export function keyringKeys(accessKeyId: string, profile: string, file: string): LongTermKeys {
  let secret: string | undefined;
  return {
    accessKeyId,
    profile,
    file: `${file} (its secret in ${keyringName()})`,
    inKeyring: true,
    get secretAccessKey(): string {
      secret ??= readKeyringSecret(accessKeyId, profile);
      return secret;
    },
  };
}

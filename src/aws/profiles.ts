/**
 * Profiles from ~/.aws/config and ~/.aws/credentials, read with the AWS SDK's own loader so that
 * `[profile x]` vs `[x]`, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, sub-sections and comments
 * mean exactly what they mean to the AWS CLI.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { getHomeDir, loadSharedConfigFiles } from '@smithy/shared-ini-file-loader';
import { distance } from 'fastest-levenshtein';
import { AwsmfaError } from '../errors.js';
import { KEYRING_SETTING, keyringKeys, marksKeyring } from './keyring.js';

type Section = Record<string, string | undefined>;

export interface ProfileFiles {
  readonly configPath: string;
  readonly credentialsPath: string;
}

/** Long-term keys of an IAM user. Never copied anywhere, never printed. */
export interface LongTermKeys {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The profile and file they were read from, for messages. */
  readonly profile: string;
  readonly file: string;
  /** The secret is read from the OS keyring (awsmfa_keyring = true), when first used. */
  readonly inKeyring?: boolean;
}

export interface RoleHop {
  readonly profile: string;
  readonly roleArn: string;
  readonly externalId: string | undefined;
  readonly roleSessionName: string | undefined;
  readonly durationSeconds: number | undefined;
  readonly mfaSerial: string | undefined;
}

export interface ResolvedProfile {
  readonly name: string;
  /** Profile names from the one asked for down to the one holding the keys. */
  readonly chain: readonly string[];
  readonly keys: LongTermKeys;
  readonly mfaSerial: string | undefined;
  readonly mfaProcess: string | undefined;
  readonly region: string | undefined;
  readonly durationSeconds: number | undefined;
  readonly endpointUrl: string | undefined;
  /** Roles to assume, in order, starting from the keys' user. Empty for a plain MFA profile. */
  readonly roles: readonly RoleHop[];
}

export function profileFiles(env: NodeJS.ProcessEnv = process.env): ProfileFiles {
  const home = getHomeDir();
  const expand = (path: string) => (path.startsWith('~/') ? join(home, path.slice(2)) : path);
  return {
    configPath: expand(env.AWS_CONFIG_FILE || join(home, '.aws', 'config')),
    credentialsPath: expand(env.AWS_SHARED_CREDENTIALS_FILE || join(home, '.aws', 'credentials')),
  };
}

/** The SDK's loader silently treats an unreadable file as empty; we say so instead. */
async function checkReadable(path: string): Promise<void> {
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      throw new AwsmfaError(`${path} is not a regular file`, {
        hint: 'Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at a file, or move the thing that is there.',
      });
    }
    // Real AWS files are kilobytes; parsing something of this size would take seconds and hundreds of MB.
    if (info.size > 16 * 1024 * 1024) {
      throw new AwsmfaError(`${path} is ${Math.round(info.size / (1024 * 1024))} MB, too large to be an AWS config or credentials file`, {
        hint: 'Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the real file (awsmfa reads files of up to 16 MB).',
      });
    }
    // The loader reads a file it cannot read as empty; reading its first byte here says why instead.
    const handle = await open(path, 'r');
    try {
      await handle.read(Buffer.alloc(1), 0, 1, 0);
    } finally {
      await handle.close();
    }
  } catch (error) {
    if (error instanceof AwsmfaError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ELOOP') {
      throw new AwsmfaError(`${path} is a symbolic link that loops`, { hint: `Replace ${path} with the real file.` });
    }
    throw new AwsmfaError(`cannot read ${path} (${code ?? 'unknown error'})`, {
      hint: `Check that ${path} exists and that you can read it (ls -l ${path}).`,
    });
  }
}

export class ProfileSet {
  constructor(
    readonly files: ProfileFiles,
    private readonly config: Record<string, Section>,
    private readonly credentials: Record<string, Section>,
  ) {}

  names(): string[] {
    return [...new Set([...Object.keys(this.config), ...Object.keys(this.credentials)])].sort();
  }

  has(name: string): boolean {
    return Object.hasOwn(this.config, name) || Object.hasOwn(this.credentials, name);
  }

  /** The profile's section of the credentials file as the loader read it, if there is one. */
  credentialsSection(name: string): Readonly<Record<string, string>> | undefined {
    return Object.hasOwn(this.credentials, name) ? (this.credentials[name] as Record<string, string>) : undefined;
  }

  /** The profile's section of the config file as the loader read it, if there is one. */
  configSection(name: string): Readonly<Record<string, string>> | undefined {
    return Object.hasOwn(this.config, name) ? (this.config[name] as Record<string, string>) : undefined;
  }

  /** A setting of one profile; the credentials file wins over the config file, as in the AWS CLI. */
  setting(profile: string, key: string): { value: string; file: string } | undefined {
    const fromCredentials = Object.hasOwn(this.credentials, profile) ? this.credentials[profile]?.[key] : undefined;
    if (fromCredentials !== undefined && fromCredentials !== '') {
      return { value: fromCredentials, file: this.files.credentialsPath };
    }
    const fromConfig = Object.hasOwn(this.config, profile) ? this.config[profile]?.[key] : undefined;
    if (fromConfig !== undefined && fromConfig !== '') return { value: fromConfig, file: this.files.configPath };
    return undefined;
  }

  value(profile: string, key: string): string | undefined {
    return this.setting(profile, key)?.value;
  }

  /** Up to three known names close to `name`, nearest first. */
  suggest(name: string): string[] {
    const lower = name.toLowerCase();
    return this.names()
      .map((candidate) => {
        const other = candidate.toLowerCase();
        const prefix = other.startsWith(lower) || lower.startsWith(other);
        return { candidate, score: prefix ? 0 : distance(lower, other) };
      })
      .filter(({ candidate, score }) => score <= Math.max(2, Math.floor(candidate.length / 3)))
      .sort((a, b) => a.score - b.score || a.candidate.localeCompare(b.candidate))
      .slice(0, 3)
      .map(({ candidate }) => candidate);
  }

  unknownProfile(name: string): AwsmfaError {
    const near = this.suggest(name);
    const where = `${this.files.configPath} or ${this.files.credentialsPath}`;
    return new AwsmfaError(`profile ${JSON.stringify(name)} is not in ${where}`, {
      hint:
        near.length > 0
          ? `Did you mean ${near.map((n) => JSON.stringify(n)).join(', ')}?`
          : 'Run `awsmfa list` to see the profiles there, or add one with mfa_serial to ~/.aws/config.',
    });
  }

  /** Follows source_profile links from `name` down to the profile that holds long-term keys. */
  resolve(name: string): ResolvedProfile {
    if (!this.has(name)) throw this.unknownProfile(name);
    const chain: string[] = [];
    const hops: RoleHop[] = [];
    let current = name;
    for (;;) {
      const keyId = this.value(current, 'aws_access_key_id');
      if (chain.includes(current)) {
        // As in the AWS CLI, a role profile may name itself as source_profile to use its own keys.
        if (current === chain.at(-1) && keyId !== undefined) break;
        throw new AwsmfaError(`source_profile loops: ${[...chain, current].map((n) => `[${n}]`).join(' -> ')}`, {
          hint: `Change source_profile in one of those profiles of ${this.files.configPath} so that the chain ends at a profile with keys.`,
        });
      }
      chain.push(current);
      const roleArn = this.value(current, 'role_arn');
      const source = this.value(current, 'source_profile');
      // As in the AWS CLI and the SDKs, a source profile's own keys win over its role_arn.
      if (chain.length > 1 && keyId !== undefined) break;
      if (roleArn !== undefined) {
        hops.unshift({
          profile: current,
          roleArn,
          externalId: this.value(current, 'external_id'),
          roleSessionName: this.value(current, 'role_session_name'),
          durationSeconds: this.duration(current),
          mfaSerial: this.value(current, 'mfa_serial'),
        });
        if (source === undefined) {
          const credentialSource = this.value(current, 'credential_source');
          throw new AwsmfaError(`profile [${current}] has role_arn but no source_profile`, {
            hint:
              credentialSource !== undefined
                ? `credential_source = ${credentialSource} is not supported; name a profile with long-term keys in source_profile.`
                : `Add source_profile = <profile with long-term keys> to [${current}] in ${this.files.configPath}.`,
          });
        }
      } else if (keyId !== undefined || source === undefined) {
        break;
      }
      if (!this.has(source)) {
        const near = this.suggest(source);
        throw new AwsmfaError(`profile [${current}] names source_profile ${JSON.stringify(source)}, which does not exist`, {
          hint: near.length > 0 ? `Did you mean ${near.map((n) => JSON.stringify(n)).join(', ')}?` : `Add [${source}] with long-term keys to ${this.files.credentialsPath}.`,
        });
      }
      current = source;
    }
    return {
      name,
      chain,
      keys: this.keysOf(current, name),
      mfaSerial: this.firstInChain(chain, 'mfa_serial'),
      mfaProcess: this.firstInChain(chain, 'mfa_process'),
      region: this.firstInChain(chain, 'region'),
      durationSeconds: this.duration(name),
      endpointUrl: this.firstInChain(chain, 'endpoint_url'),
      roles: hops,
    };
  }

  /** The first profile along a source_profile chain that sets `key`, with the file it is in. */
  chainSetting(chain: readonly string[], key: string): { value: string; file: string; profile: string } | undefined {
    for (const profile of chain) {
      const setting = this.setting(profile, key);
      if (setting !== undefined) return { ...setting, profile };
    }
    return undefined;
  }

  private firstInChain(chain: readonly string[], key: string): string | undefined {
    return this.chainSetting(chain, key)?.value;
  }

  private duration(profile: string): number | undefined {
    const setting = this.setting(profile, 'duration_seconds');
    if (setting === undefined) return undefined;
    if (!/^\d{1,9}$/.test(setting.value)) {
      throw new AwsmfaError(`duration_seconds in [${profile}] of ${setting.file} is not a whole number of seconds`, {
        hint: 'Use a number of seconds, e.g. duration_seconds = 43200 for 12 hours.',
      });
    }
    return Number(setting.value);
  }

  private keysOf(profile: string, asked: string): LongTermKeys {
    const id = this.setting(profile, 'aws_access_key_id');
    const secret = this.setting(profile, 'aws_secret_access_key');
    const via = profile === asked ? '' : ` (the source of [${asked}])`;
    const inKeyring = id !== undefined && marksKeyring(this.value(profile, KEYRING_SETTING));
    if (id === undefined || (secret === undefined && !inKeyring)) {
      const missing = id === undefined ? 'aws_access_key_id' : 'aws_secret_access_key';
      throw new AwsmfaError(`profile [${profile}]${via} has no ${missing}`, {
        hint: `Put the IAM user's long-term access key in [${profile}] of ${this.files.credentialsPath}.`,
      });
    }
    if (this.value(profile, 'aws_session_token') !== undefined || id.value.startsWith('ASIA')) {
      throw new AwsmfaError(`profile [${profile}]${via} holds temporary session keys, not long-term keys`, {
        hint: `awsmfa needs the IAM user's long-term access key (AKIA…) in [${profile}] of ${id.file}; remove aws_session_token there.`,
      });
    }
    if (inKeyring) return keyringKeys(id.value, profile, id.file);
    return { accessKeyId: id.value, secretAccessKey: secret!.value, profile, file: id.file };
  }
}

export async function loadProfiles(env: NodeJS.ProcessEnv = process.env): Promise<ProfileSet> {
  const files = profileFiles(env);
  await Promise.all([checkReadable(files.configPath), checkReadable(files.credentialsPath)]);
  let loaded;
  try {
    loaded = await loadSharedConfigFiles({ configFilepath: files.configPath, filepath: files.credentialsPath, ignoreCache: true });
  } catch (error) {
    throw new AwsmfaError(`cannot parse the AWS config files: ${(error as Error).message}`, {
      hint: `Check ${files.configPath} and ${files.credentialsPath} with \`aws configure list-profiles\`.`,
    });
  }
  return new ProfileSet(files, loaded.configFile as Record<string, Section>, loaded.credentialsFile as Record<string, Section>);
}

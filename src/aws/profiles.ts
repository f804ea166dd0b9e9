/**
 * Profiles from ~/.aws/config and ~/.aws/credentials, read as the AWS CLI reads them (config-files.ts):
 * `[profile x]` vs `[x]`, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, sub-sections, comments, key case
 * and duplicates mean exactly what they mean to the CLI. Each file is read once per run.
 */
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { AwsmfaError } from '../errors.js';
import { nearest } from '../nearest.js';
import { platform } from '../platform/index.js';
import { configProfiles, configSectionRole, credentialsProfiles, decodeIni, parseIni, type IniProblem, type IniSection, type IniValue, type ParsedIni } from './config-files.js';
import { KEYRING_SETTING, keyringKeys, marksKeyring } from './keyring.js';
import { describeLoginSession, loginSessionOf, renewCommand } from './login-session.js';

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
  /** endpoint_url of `sts` in the `[services x]` section the profile names with `services = x`. */
  readonly stsEndpointUrl?: string | undefined;
  /** Roles to assume, in order, starting from the keys' user. Empty for a plain MFA profile. */
  readonly roles: readonly RoleHop[];
}

/** `$NAME` and `${NAME}` replaced by set variables, others left as they are: Python's os.path.expandvars. */
function expandVariables(path: string, env: NodeJS.ProcessEnv): string {
  return path.replace(/\$(\w+|\{[^}]*\})/g, (whole: string, name: string) => {
    const value = env[name.startsWith('{') ? name.slice(1, -1) : name];
    return value === undefined ? whole : value;
  });
}

/** A leading `~` or `~/` as the user's home: Python's os.path.expanduser, which botocore applies after expandvars. */
function expandHome(path: string, home: string): string {
  if (path !== '~' && !path.startsWith('~/')) return path;
  return home.replace(/\/+$/, '') + path.slice(1) || '/';
}

/** The files as the AWS CLI finds them: AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE, variables and `~` expanded. */
export function profileFiles(env: NodeJS.ProcessEnv = process.env): ProfileFiles {
  // Where the AWS CLI looks on this system: ~/.aws, %USERPROFILE%\.aws on Windows.
  const home = platform.home(env);
  const locate = (configured: string | undefined, fallback: string) => (configured ? expandHome(expandVariables(configured, env), home) : join(home, '.aws', fallback));
  return {
    configPath: locate(env.AWS_CONFIG_FILE, 'config'),
    credentialsPath: locate(env.AWS_SHARED_CREDENTIALS_FILE, 'credentials'),
  };
}

/**
 * The profile the AWS CLI uses when none is named. botocore looks at AWS_DEFAULT_PROFILE before
 * AWS_PROFILE (its "profile" setting lists them in that order), then "default".
 */
export function selectedProfile(env: NodeJS.ProcessEnv = process.env): { name: string; from: 'AWS_PROFILE' | 'AWS_DEFAULT_PROFILE' | 'default' } {
  if (env.AWS_DEFAULT_PROFILE) return { name: env.AWS_DEFAULT_PROFILE, from: 'AWS_DEFAULT_PROFILE' };
  if (env.AWS_PROFILE) return { name: env.AWS_PROFILE, from: 'AWS_PROFILE' };
  return { name: 'default', from: 'default' };
}

/** Real AWS files are kilobytes; parsing something of this size would take seconds and hundreds of MB. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

/** The file's bytes, read once; undefined when it does not exist. Anything else unreadable says why. */
async function readProfileFile(path: string): Promise<Buffer | undefined> {
  let handle;
  try {
    // Non-blocking, so that a FIFO nobody writes to is refused below instead of waiting forever.
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'ELOOP') {
      throw new AwsmfaError(`${path} is a symbolic link that loops`, { hint: `Replace ${path} with the real file.` });
    }
    throw new AwsmfaError(`cannot read ${path} (${code ?? 'unknown error'})`, {
      hint: `Check that ${path} exists and that you can read it (ls -l ${path}).`,
    });
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new AwsmfaError(`${path} is not a regular file`, {
        hint: 'Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at a file, or move the thing that is there.',
      });
    }
    if (info.size > MAX_FILE_BYTES) {
      throw new AwsmfaError(`${path} is ${Math.round(info.size / (1024 * 1024))} MB, too large to be an AWS config or credentials file`, {
        hint: 'Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the real file (awsmfa reads files of up to 16 MB).',
      });
    }
    return await handle.readFile();
  } catch (error) {
    if (error instanceof AwsmfaError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AwsmfaError(`cannot read ${path} (${code ?? 'unknown error'})`, {
      hint: `Check that ${path} exists and that you can read it (ls -l ${path}).`,
    });
  } finally {
    await handle.close();
  }
}

/** The error of a file the AWS CLI refuses, in the CLI's terms, with where and why. */
export function unparsableFile(path: string, problem: IniProblem): AwsmfaError {
  return new AwsmfaError(`the AWS CLI cannot read ${path} ("Unable to parse config file"): line ${problem.line}: ${problem.why}`, {
    hint: `Fix line ${problem.line} of ${path}; \`aws configure list-profiles\` reads it without error once it is right.`,
  });
}

/** Each AWS file this run read, parsed (empty for a missing one): the one reading of each per run. */
const asRead = new Map<string, { parsed: ParsedIni; credentials: boolean }>();

/**
 * What the SDK needs of the AWS files, by path, so that it reads neither file again nor parses
 * thousands of lines: the sections of the profile it looks at for its own settings (AWS_PROFILE, else
 * default: the SDK does not know AWS_DEFAULT_PROFILE), and the config file's [services] and
 * [sso-session] sections, each with its lines as written.
 */
export function filesAsRead(env: NodeJS.ProcessEnv = process.env): ReadonlyMap<string, string> {
  const profile = env.AWS_PROFILE || 'default';
  const excerpts = new Map<string, string>();
  for (const [path, { parsed, credentials }] of asRead) {
    excerpts.set(
      path,
      parsed.excerpt((header) => {
        if (credentials) return header === profile;
        const role = configSectionRole(header);
        return role.kind === 'profile' ? role.name === profile : role.kind !== 'other';
      }),
    );
  }
  return excerpts;
}

/** A file as botocore parses it, or the reason it refuses it; a missing file is an empty one. */
async function parseProfileFile(path: string, credentials: boolean): Promise<ParsedIni> {
  const bytes = await readProfileFile(path);
  if (bytes === undefined) {
    const empty = parseIni('');
    asRead.set(path, { parsed: empty, credentials });
    return empty;
  }
  const decoded = decodeIni(bytes);
  if ('problem' in decoded) throw unparsableFile(path, decoded.problem);
  const parsed = parseIni(decoded.text);
  asRead.set(path, { parsed, credentials });
  if (parsed.problem !== undefined) throw unparsableFile(path, parsed.problem);
  return parsed;
}

/** A section's keys as strings; a sub-section's keys as `parent.key`, as the AWS SDKs name them. */
function flatten(keys: IniSection): Section {
  let flat: Section | undefined;
  for (const key in keys) {
    const value = keys[key]!;
    if (typeof value === 'string') {
      if (flat !== undefined) flat[key] = value;
      continue;
    }
    // Most sections have no sub-section: they are used as they are, without a copy.
    if (flat === undefined) {
      flat = Object.create(null) as Section;
      for (const before in keys) {
        if (before === key) break;
        flat[before] = keys[before] as string;
      }
    }
    for (const [inner, innerValue] of Object.entries(value)) flat[`${key}.${inner}`] = innerValue;
  }
  return flat ?? (keys as Section);
}

/** What the files hold besides profiles, and where each profile's section is, for doctor and messages. */
export interface ProfileReading {
  readonly config: ParsedIni;
  readonly credentials: ParsedIni;
  /** `[sso-session x]` sections of the config file. */
  readonly ssoSessions: ReadonlyMap<string, IniSection>;
  /** `[services x]` sections of the config file (per-service endpoints). */
  readonly services: ReadonlyMap<string, IniSection>;
  /** The config file's section header of each of its profiles (`profile doug`, `default`). */
  readonly configHeaders: ReadonlyMap<string, string>;
  /** Each file's profiles with their sub-sections whole: a sub-section in the credentials file replaces the config file's. */
  readonly configProfiles: ReadonlyMap<string, IniSection>;
  readonly credentialsProfiles: ReadonlyMap<string, IniSection>;
}

/** What every refusal of another credential source says awsmfa is for. */
const WHAT_AWSMFA_DOES = "awsmfa makes MFA sessions from IAM users' long-term keys, and assumes roles with them";

export class ProfileSet {
  constructor(
    readonly files: ProfileFiles,
    private readonly config: Record<string, Section>,
    private readonly credentials: Record<string, Section>,
    /** The parsed files behind the profiles; absent for a set made by hand. */
    readonly reading?: ProfileReading,
  ) {}

  private sortedNames: readonly string[] | undefined;

  /** Every profile name, sorted; worked out once per set (commands ask for it per profile). */
  names(): string[] {
    this.sortedNames ??= [...new Set([...Object.keys(this.config), ...Object.keys(this.credentials)])].sort();
    return [...this.sortedNames];
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

  /** All of a profile's keys as the AWS CLI sees them: the config file's, with the credentials file's over them. */
  sectionKeys(name: string): Readonly<Record<string, string>> | undefined {
    if (!this.has(name)) return undefined;
    if (this.reading === undefined) return Object.assign(Object.create(null) as Record<string, string>, this.configSection(name), this.credentialsSection(name));
    return flatten(Object.assign(Object.create(null) as Record<string, IniValue>, this.reading.configProfiles.get(name), this.reading.credentialsProfiles.get(name))) as Record<string, string>;
  }

  /**
   * A setting of one profile. As in the AWS CLI, a key in the credentials file replaces the config
   * file's, even when it is empty (and an empty value is no value).
   */
  setting(profile: string, key: string): { value: string; file: string } | undefined {
    for (const [sections, raw, file] of [
      [this.credentials, this.reading?.credentialsProfiles, this.files.credentialsPath],
      [this.config, this.reading?.configProfiles, this.files.configPath],
    ] as const) {
      // A sub-section (`key =` then indented lines) is there, but is no value.
      const value = raw !== undefined ? raw.get(profile)?.[key] : Object.hasOwn(sections, profile) ? sections[profile]?.[key] : undefined;
      if (value !== undefined) return typeof value === 'string' && value !== '' ? { value, file } : undefined;
    }
    return undefined;
  }

  value(profile: string, key: string): string | undefined {
    return this.setting(profile, key)?.value;
  }

  /** Up to three known names close to `name`, nearest first. */
  suggest(name: string): string[] {
    return nearest(name, this.names());
  }

  unknownProfile(name: string): AwsmfaError {
    const near = this.suggest(name);
    const where = `${this.files.configPath} or ${this.files.credentialsPath}`;
    return new AwsmfaError(`profile ${JSON.stringify(name)} is not in ${where}`, {
      hint:
        near.length > 0
          ? `Did you mean ${near.map((n) => JSON.stringify(n)).join(', ')}?`
          : `Set it up with \`awsmfa setup ${/^[\w.@+:/-]{1,64}$/.test(name) ? name : 'NAME'}\` (it asks for the access key and the MFA device), or run \`awsmfa list\` to see the profiles there.`,
    });
  }

  /** Follows source_profile links from `name` down to the profile that holds long-term keys. */
  resolve(name: string): ResolvedProfile {
    if (!this.has(name)) throw this.unknownProfile(name);
    const chain: string[] = [];
    const hops: RoleHop[] = [];
    let current = name;
    for (;;) {
      const keyed = this.hasStaticKeys(current);
      if (chain.includes(current)) {
        // As in the AWS CLI, a role profile may name itself as source_profile to use its own keys.
        if (current === chain.at(-1) && keyed) break;
        throw new AwsmfaError(`source_profile loops: ${[...chain, current].map((n) => `[${n}]`).join(' -> ')}`, {
          hint: `Change source_profile in one of those profiles of ${this.files.configPath} so that the chain ends at a profile with keys.`,
        });
      }
      chain.push(current);
      const roleArn = this.value(current, 'role_arn');
      const source = this.value(current, 'source_profile');
      // As in the AWS CLI and the SDKs, a source profile's own keys win over its role_arn.
      if (chain.length > 1 && keyed) break;
      if (roleArn !== undefined) {
        hops.unshift({
          profile: current,
          roleArn,
          externalId: this.value(current, 'external_id'),
          roleSessionName: this.value(current, 'role_session_name'),
          durationSeconds: this.duration(current),
          mfaSerial: this.value(current, 'mfa_serial'),
        });
        if (source !== undefined && this.value(current, 'credential_source') !== undefined) {
          throw new AwsmfaError(`profile [${current}] has both source_profile and credential_source, which the AWS CLI refuses`, {
            hint: `Keep only source_profile in [${current}] of ${this.files.configPath}.`,
          });
        }
        if (source === undefined) {
          const credentialSource = this.setting(current, 'credential_source');
          if (credentialSource !== undefined) {
            throw new AwsmfaError(
              `profile [${current}] assumes its role with credentials from ${JSON.stringify(credentialSource.value)} (credential_source in ${credentialSource.file}), not from an IAM user's keys; ${WHAT_AWSMFA_DOES}`,
              { hint: `The AWS CLI and SDKs use [${current}] as it is. For awsmfa, replace credential_source with source_profile = <a profile holding an IAM user's long-term keys>.` },
            );
          }
          throw new AwsmfaError(`profile [${current}] has role_arn but no source_profile`, {
            hint: `Add source_profile = <profile with long-term keys> to [${current}] in ${this.files.configPath}.`,
          });
        }
      } else if (keyed || source === undefined) {
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
      stsEndpointUrl: this.serviceEndpoint(chain, 'sts'),
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

  /** A service's endpoint_url from the `[services x]` section named by `services = x` along the chain. */
  private serviceEndpoint(chain: readonly string[], service: string): string | undefined {
    const named = this.firstInChain(chain, 'services');
    if (named === undefined) return undefined;
    const keys = this.reading?.services.get(named)?.[service];
    return typeof keys === 'object' ? keys.endpoint_url || undefined : undefined;
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

  /**
   * The refusal for a profile whose credentials come from somewhere other than long-term keys: IAM
   * Identity Center (SSO), a credential_process, a web identity token. The AWS CLI uses those directly;
   * telling the user to put keys there would send them the wrong way.
   */
  private otherCredentialSource(profile: string): AwsmfaError | undefined {
    const sources: [string, string, string][] = [
      ['sso_session', 'AWS IAM Identity Center (SSO)', `aws sso login --profile ${profile}`],
      ['sso_start_url', 'AWS IAM Identity Center (SSO)', `aws sso login --profile ${profile}`],
      ['credential_process', 'a credential_process command', `aws sts get-caller-identity --profile ${profile}`],
      ['web_identity_token_file', 'a web identity token', `aws sts get-caller-identity --profile ${profile}`],
    ];
    for (const [key, what, instead] of sources) {
      const setting = this.setting(profile, key);
      if (setting === undefined) continue;
      return new AwsmfaError(`profile [${profile}] gets its credentials from ${what} (${key} in ${setting.file}), not from an IAM user's keys; ${WHAT_AWSMFA_DOES}`, {
        hint: `Use the profile with the AWS CLI and SDKs directly (\`${instead}\`), or point source_profile at a profile holding an IAM user's long-term keys.`,
      });
    }
    return undefined;
  }

  /** As botocore decides whether a profile holds static keys: either key is there, in either file. */
  private hasStaticKeys(profile: string): boolean {
    return [this.credentialsSection(profile), this.configSection(profile)].some((keys) => keys !== undefined && ('aws_access_key_id' in keys || 'aws_secret_access_key' in keys));
  }

  /**
   * The pair of keys as the AWS CLI takes it: from the credentials file when its section has
   * aws_access_key_id, else from the config file; never an id from one file and a secret from the other.
   */
  private keysOf(profile: string, asked: string): LongTermKeys {
    const fromCredentials = this.credentialsSection(profile);
    const [section, file] =
      fromCredentials !== undefined && 'aws_access_key_id' in fromCredentials
        ? [fromCredentials, this.files.credentialsPath]
        : [this.configSection(profile), this.files.configPath];
    const id = section?.aws_access_key_id || undefined;
    const secret = section?.aws_secret_access_key || undefined;
    const via = profile === asked ? '' : ` (the source of [${asked}])`;
    const inKeyring = id !== undefined && marksKeyring(this.value(profile, KEYRING_SETTING));
    if (id === undefined) {
      const other = this.otherCredentialSource(profile);
      if (other !== undefined) throw other;
    }
    if (id === undefined || (secret === undefined && !inKeyring)) {
      const missing = id === undefined ? 'aws_access_key_id' : 'aws_secret_access_key';
      const where = id === undefined ? this.files.credentialsPath : file;
      throw new AwsmfaError(`profile [${profile}]${via} has no ${missing}${id === undefined ? '' : ` in ${file}, where its aws_access_key_id is`}`, {
        hint: `Put the IAM user's long-term access key (both aws_access_key_id and aws_secret_access_key) in [${profile}] of ${where}.`,
      });
    }
    const login = loginSessionOf(this, profile);
    if (login !== undefined) {
      // Written by `awsmfa login`: a session to use as it is, not keys to fix.
      throw new AwsmfaError(`profile [${profile}]${via} holds ${describeLoginSession(login)}, not an IAM user's long-term keys`, {
        hint: `Use it as it is (aws --profile ${profile} …); to renew it: ${renewCommand(login)}.`,
      });
    }
    if (this.value(profile, 'aws_session_token') !== undefined || id.startsWith('ASIA')) {
      throw new AwsmfaError(`profile [${profile}]${via} holds temporary session keys, not long-term keys`, {
        hint: `awsmfa needs the IAM user's long-term access key (AKIA…) in [${profile}] of ${file}; remove aws_session_token there.`,
      });
    }
    if (inKeyring) return keyringKeys(id, profile, file);
    return { accessKeyId: id, secretAccessKey: secret!, profile, file };
  }
}

export async function loadProfiles(env: NodeJS.ProcessEnv = process.env): Promise<ProfileSet> {
  const files = profileFiles(env);
  const [config, credentials] = await Promise.all([parseProfileFile(files.configPath, false), parseProfileFile(files.credentialsPath, true)]);
  const fromConfig = configProfiles(config);
  const configSections: Record<string, Section> = Object.create(null);
  const configHeaders = new Map<string, string>();
  for (const [name, source] of fromConfig.profiles) {
    configSections[name] = flatten(source.keys);
    configHeaders.set(name, source.section);
  }
  const credentialsSections: Record<string, Section> = Object.create(null);
  const rawCredentials = credentialsProfiles(credentials);
  for (const [name, source] of rawCredentials) credentialsSections[name] = flatten(source.keys);
  return new ProfileSet(files, configSections, credentialsSections, {
    config,
    credentials,
    ssoSessions: fromConfig.ssoSessions,
    services: fromConfig.services,
    configHeaders,
    configProfiles: new Map([...fromConfig.profiles].map(([name, source]) => [name, source.keys])),
    credentialsProfiles: new Map([...rawCredentials].map(([name, source]) => [name, source.keys])),
  });
}

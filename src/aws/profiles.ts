/**
 * Profiles from ~/.aws/config and ~/.aws/credentials, read as the AWS CLI reads them (config-files.ts):
 * `[profile x]` vs `[x]`, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE, sub-sections, comments, key case
 * and duplicates mean exactly what they mean to the CLI. Each file is read once per run.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AwsmfaError } from '../errors.js';
import { nearest } from '../nearest.js';
import { platform } from '../platform/index.js';
import { SessionCache } from '../session/cache.js';
import { configProfiles, configSectionRole, credentialsProfiles, decodeIni, parseIni, splitLines, type IniProblem, type IniSection, type IniValue, type ParsedIni, type ProfileSource } from './config-files.js';
import { afterSuccess, buildIndex, INDEX_POLICY, nowNs, readIndex, sectionSpan, settled, writeIndex, type FileIdentity, type FileVersion, type IndexPolicy, type SectionIndex, type SectionSpan } from './config-index.js';
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

/** A file's bytes as read once, with what identifies that version of it and when it was read. */
interface FileRead extends FileVersion {
  readonly bytes: Buffer;
}

/**
 * What a cached `env`'s fast path (src/fast-env.ts) read before it declined, handed to the full CLI that
 * then runs in the same process, so that a run reads each file once. The two are bundles of their own,
 * each with its own copy of this module, so the hand-over lives on the global object. Each entry is
 * taken once: a later read in the same run (after a command rewrote the file, say) goes to the file.
 */
const HANDOVER = Symbol.for('awsmfa.profile-files-read');
interface Handover {
  recording: boolean;
  readonly reads: Map<string, FileRead | undefined>;
}

function handover(): Handover {
  const global = globalThis as { [HANDOVER]?: Handover };
  return (global[HANDOVER] ??= { recording: false, reads: new Map() });
}

/** While on, the files read are kept for the full CLI to take (see Handover). */
export function handOverProfileReads(on: boolean): void {
  handover().recording = on;
}

/** The file's bytes, read once per run; undefined when it does not exist. Anything else unreadable says why. */
async function readProfileFile(path: string): Promise<FileRead | undefined> {
  const shared = handover();
  if (shared.reads.has(path)) {
    const read = shared.reads.get(path);
    shared.reads.delete(path);
    return read;
  }
  const read = readFileOnce(path);
  if (shared.recording) shared.reads.set(path, read);
  return read;
}

function readFileOnce(path: string): FileRead | undefined {
  const readAt = nowNs();
  let fd;
  try {
    // Non-blocking, so that a FIFO nobody writes to is refused below instead of waiting forever. Read
    // synchronously: a file of a few kilobytes is read sooner than a promise settles, and node:fs/promises
    // (which loads node:readline) is not loaded for it.
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
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
    // The file as opened (a link followed): what is read is what is identified.
    const info = fstatSync(fd, { bigint: true });
    if (!info.isFile()) {
      throw new AwsmfaError(`${path} is not a regular file`, {
        hint: 'Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at a file, or move the thing that is there.',
      });
    }
    if (info.size > MAX_FILE_BYTES) {
      throw new AwsmfaError(`${path} is ${Math.round(Number(info.size) / (1024 * 1024))} MB, too large to be an AWS config or credentials file`, {
        hint: 'Point AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE at the real file (awsmfa reads files of up to 16 MB).',
      });
    }
    const bytes = readFileSync(fd);
    // The size read, not the size stat'ed: a file growing meanwhile is not the version identified.
    const identity = { dev: info.dev, ino: info.ino, size: BigInt(bytes.length), mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs };
    return { bytes, identity, readAt };
  } catch (error) {
    if (error instanceof AwsmfaError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new AwsmfaError(`cannot read ${path} (${code ?? 'unknown error'})`, {
      hint: `Check that ${path} exists and that you can read it (ls -l ${path}).`,
    });
  } finally {
    closeSync(fd);
  }
}

/** The error of a file the AWS CLI refuses, in the CLI's terms, with where and why. */
export function unparsableFile(path: string, problem: IniProblem): AwsmfaError {
  return new AwsmfaError(`the AWS CLI cannot read ${path} ("Unable to parse config file"): line ${problem.line}: ${problem.why}`, {
    hint: `Fix line ${problem.line} of ${path}; \`aws configure list-profiles\` reads it without error once it is right.`,
  });
}

/** A file's sections as the AWS CLI maps them: profiles, and in the config file sso-session and services. */
interface FileContents {
  readonly parsed: ParsedIni;
  readonly profiles: ReadonlyMap<string, ProfileSource>;
  readonly ssoSessions: ReadonlyMap<string, IniSection>;
  readonly services: ReadonlyMap<string, IniSection>;
}

/** One AWS file as this run read it (a missing one is empty): its text, parsed whole only when asked. */
class AwsFile {
  private decoded: string | undefined;
  private parsedText: ParsedIni | undefined;
  private whole: FileContents | undefined;
  constructor(
    readonly path: string,
    readonly bytes: Uint8Array,
    readonly credentials: boolean,
  ) {}

  /** The whole file as text, decoded when first needed (a run through the index decodes only its sections). */
  get text(): string {
    if (this.decoded === undefined) {
      const decoded = decodeIni(this.bytes);
      if ('problem' in decoded) throw unparsableFile(this.path, decoded.problem);
      this.decoded = decoded.text;
    }
    return this.decoded;
  }

  /** The whole text parsed, once, refused or not. */
  parsed(): ParsedIni {
    this.parsedText ??= parseIni(this.text);
    return this.parsedText;
  }

  /** The whole file's sections; a file the AWS CLI refuses is refused the same way. */
  contents(): FileContents {
    if (this.whole === undefined) {
      const parsed = this.parsed();
      if (parsed.problem !== undefined) throw unparsableFile(this.path, parsed.problem);
      if (this.credentials) {
        this.whole = { parsed, profiles: credentialsProfiles(parsed), ssoSessions: new Map(), services: new Map() };
      } else {
        const { profiles, ssoSessions, services } = configProfiles(parsed);
        this.whole = { parsed, profiles, ssoSessions, services };
      }
    }
    return this.whole;
  }
}

/** One file's profiles as ProfileSet asks for them: by name, each with its keys as the AWS CLI reads them. */
export abstract class FileProfiles {
  /** Every profile name of the file. */
  abstract names(): readonly string[];
  abstract has(name: string): boolean;
  /** The profile's keys, an indented sub-section's keys as one value. */
  abstract raw(name: string): IniSection | undefined;
  /** The same with a sub-section's keys as `parent.key`. */
  abstract flat(name: string): Section | undefined;
  /** A `[services x]` section of the config file. */
  service(_name: string): IniSection | undefined {
    return undefined;
  }
}

/** Profiles given as plain keys (a set made by hand, e.g. setup's planned profile). */
class GivenProfiles extends FileProfiles {
  constructor(private readonly sections: Record<string, Section>) {
    super();
  }
  names(): readonly string[] {
    return Object.keys(this.sections);
  }
  has(name: string): boolean {
    return Object.hasOwn(this.sections, name);
  }
  raw(name: string): IniSection | undefined {
    return this.flat(name) as IniSection | undefined;
  }
  flat(name: string): Section | undefined {
    return Object.hasOwn(this.sections, name) ? this.sections[name] : undefined;
  }
}

/** Profiles read from a file's sections; each flattened when first asked for. */
abstract class SectionProfiles extends FileProfiles {
  private readonly flattened = new Map<string, Section>();
  flat(name: string): Section | undefined {
    let flat = this.flattened.get(name);
    if (flat === undefined) {
      const keys = this.raw(name);
      if (keys === undefined) return undefined;
      flat = flatten(keys);
      this.flattened.set(name, flat);
    }
    return flat;
  }
}

/** Profiles of a file parsed whole. */
class ParsedProfiles extends SectionProfiles {
  private nameList: readonly string[] | undefined;
  constructor(private readonly contents: FileContents) {
    super();
  }
  names(): readonly string[] {
    this.nameList ??= [...this.contents.profiles.keys()];
    return this.nameList;
  }
  has(name: string): boolean {
    return this.contents.profiles.has(name);
  }
  raw(name: string): IniSection | undefined {
    return this.contents.profiles.get(name)?.keys;
  }
  override service(name: string): IniSection | undefined {
    return this.contents.services.get(name);
  }
}

/**
 * After this many sections looked up one by one, the rest of the file is parsed whole: a command that
 * looks at every profile (list, the shell index) is faster that way, and the answers are the same.
 */
const LOOKUPS_BEFORE_WHOLE = 32;

/**
 * Profiles of a file read through its index (config-index.ts): a profile's section is parsed when it is
 * first asked for, from the text read this run. A section that does not read back as the index says
 * it should is a doubt, and the file is then parsed whole.
 */
class IndexedProfiles extends SectionProfiles {
  private readonly found = new Map<string, IniSection>();
  private nameList: readonly string[] | undefined;
  private whole: ParsedProfiles | undefined;
  private lookups = 0;
  constructor(
    private readonly file: AwsFile,
    private readonly index: SectionIndex,
  ) {
    super();
  }

  /** Whether sections are still looked up through the index (not parsed whole after a doubt or many lookups). */
  get throughIndex(): boolean {
    return this.whole === undefined;
  }

  names(): readonly string[] {
    if (this.whole === undefined) this.nameList ??= this.index.profileNames();
    // An index whose entries cannot all be read: the file parsed whole.
    return this.whole?.names() ?? this.nameList ?? this.parseWhole().names();
  }
  has(name: string): boolean {
    return this.whole !== undefined ? this.whole.has(name) : this.index.profile(name) !== undefined;
  }
  raw(name: string): IniSection | undefined {
    if (this.whole !== undefined) return this.whole.raw(name);
    const known = this.found.get(name);
    if (known !== undefined) return known;
    const section = this.index.profile(name);
    if (section === undefined) return undefined;
    const keys = ++this.lookups > LOOKUPS_BEFORE_WHOLE ? undefined : this.section(section, { kind: 'profile', name });
    if (keys === undefined) return this.parseWhole().raw(name);
    this.found.set(name, keys);
    return keys;
  }
  override service(name: string): IniSection | undefined {
    if (this.whole !== undefined) return this.whole.service(name);
    const section = this.index.services.get(name);
    if (section === undefined) return undefined;
    return this.section(section, { kind: 'services', name }) ?? this.parseWhole().service(name);
  }

  /**
   * The text of a section, from its header line to the next section's: undefined when the index is wrong
   * there (bounds outside the file, not at a line's start, or not whole characters).
   */
  sectionText(section: SectionSpan): string | undefined {
    const span = sectionSpan(this.index, section);
    if (span === undefined) return undefined;
    const before = span.start === 0 ? 0x0a : this.file.bytes[span.start - 1];
    if (before !== 0x0a && before !== 0x0d) return undefined;
    const decoded = decodeIni(this.file.bytes.subarray(span.start, span.end));
    return 'problem' in decoded ? undefined : decoded.text;
  }

  /** One section parsed alone, or undefined when it is not the section the index says it is. */
  private section(section: SectionSpan, expected: { kind: 'profile' | 'services'; name: string }): IniSection | undefined {
    const text = this.sectionText(section);
    // A section starts at a line's start, with its header.
    if (text === undefined || !/^[ \t]*\[/.test(text)) return undefined;
    const parsed = parseIni(text);
    if (parsed.problem !== undefined || parsed.headers.length !== 1 || parsed.sections.size !== 1) return undefined;
    const header = parsed.headers[0]!.name;
    if (this.file.credentials) {
      if (expected.kind !== 'profile' || header !== expected.name) return undefined;
    } else {
      const role = configSectionRole(header);
      if (role.kind !== expected.kind || role.name !== expected.name) return undefined;
    }
    return parsed.sections.get(header);
  }

  private parseWhole(): ParsedProfiles {
    this.whole ??= new ParsedProfiles(this.file.contents());
    return this.whole;
  }

  /** What the SDK reads of this file for `profile` (see filesAsRead), from the index. */
  sdkExcerpt(profile: string): string {
    const sections = new Map<number, SectionSpan>();
    const own = this.index.profile(profile);
    if (own !== undefined) sections.set(own.start, own);
    if (!this.file.credentials) for (const section of [...this.index.ssoSessions.values(), ...this.index.services.values()]) sections.set(section.start, section);
    const texts = [...sections.values()].sort((a, b) => a.start - b.start).map((section) => this.sectionText(section));
    // An index wrong about these sections: the excerpt of the file parsed whole.
    if (texts.some((text) => text === undefined)) return parsedExcerpt(this.file)(profile);
    const lines = texts.flatMap((text) => splitLines(text!));
    return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
  }
}

/** Each AWS file this run read, as the SDK's excerpt of it for a profile: the one reading of each per run. */
const asRead = new Map<string, (profile: string) => string>();

/**
 * What the SDK needs of the AWS files, by path, so that it reads neither file again nor parses
 * thousands of lines: the sections of the profile it looks at for its own settings (AWS_PROFILE, else
 * default: the SDK does not know AWS_DEFAULT_PROFILE), and the config file's [services] and
 * [sso-session] sections, each with its lines as written.
 */
export function filesAsRead(env: NodeJS.ProcessEnv = process.env): ReadonlyMap<string, string> {
  const profile = env.AWS_PROFILE || 'default';
  const excerpts = new Map<string, string>();
  for (const [path, excerpt] of asRead) excerpts.set(path, excerpt(profile));
  return excerpts;
}

/** The SDK's excerpt of a file parsed whole. */
function parsedExcerpt(file: AwsFile): (profile: string) => string {
  return (profile) =>
    file.parsed().excerpt((header) => {
      if (file.credentials) return header === profile;
      const role = configSectionRole(header);
      return role.kind === 'profile' ? role.name === profile : role.kind !== 'other';
    });
}

/** `--debug`: how each AWS file was read, on stderr. Names and sizes only. */
function debug(env: NodeJS.ProcessEnv, line: string): void {
  if (env.AWSMFA_DEBUG === '1') process.stderr.write(`awsmfa: debug: ${line}\n`);
}

export interface LoadOptions {
  /** How file indexes are used (tests change it; the CLI always uses INDEX_POLICY). */
  readonly index?: IndexPolicy;
  /**
   * The command will look at every profile (list): the files are parsed whole, which is then faster
   * than reading an index, and no index is written.
   */
  readonly everyProfile?: boolean;
}

/**
 * A file's profiles: read once, then looked up through its index when it has a valid one, else parsed
 * whole (and indexed for the next run when it is large and settled). A missing file is an empty one.
 */
async function readProfiles(path: string, credentials: boolean, env: NodeJS.ProcessEnv, policy: IndexPolicy, everyProfile: boolean): Promise<{ file: AwsFile; profiles: FileProfiles; version: FileVersion | null }> {
  const read = await readProfileFile(path);
  if (read === undefined) {
    const file = new AwsFile(path, new Uint8Array(0), credentials);
    asRead.set(path, () => '');
    return { file, profiles: new ParsedProfiles(file.contents()), version: null };
  }
  const version = { identity: read.identity, readAt: read.readAt };
  const file = new AwsFile(path, read.bytes, credentials);
  if (read.bytes.length < policy.minBytes || everyProfile) {
    // A file that is not UTF-8 is refused before this run keeps anything of it.
    void file.text;
    asRead.set(path, parsedExcerpt(file));
    const contents = file.contents();
    debug(env, `${path}: ${contents.parsed.headers.length} sections, parsed whole`);
    return { file, profiles: new ParsedProfiles(contents), version };
  }
  const cache = SessionCache.forEnvironment(env);
  const index = await readIndex(cache, path, read.identity);
  if (index !== undefined && index.bytes === read.bytes.length) {
    const profiles = new IndexedProfiles(file, index);
    asRead.set(path, (profile) => (profiles.throughIndex ? profiles.sdkExcerpt(profile) : parsedExcerpt(file)(profile)));
    debug(env, `${path}: ${index.sections} sections, read through its index`);
    return { file, profiles, version };
  }
  void file.text;
  asRead.set(path, parsedExcerpt(file));
  const contents = file.contents();
  const whole = `${path}: ${contents.parsed.headers.length} sections, parsed whole`;
  const readAt = read.readAt;
  if (!settled(read.identity, readAt, policy.settledNs)) {
    debug(env, `${whole} (no index: changed too recently)`);
    return { file, profiles: new ParsedProfiles(contents), version };
  }
  const keep = async () => {
    const made = buildIndex(file.bytes, contents.parsed, credentials);
    if (made === undefined) debug(env, `${path}: no index ([DEFAULT] is in it)`);
    else debug(env, `${path}: index ${(await writeIndex(cache, path, read.identity, readAt, made, policy)) ? 'written' : 'not written (the cache cannot be written)'}`);
  };
  // A command that fails changes nothing, the cache included: the index is kept only once it has succeeded.
  if (policy.writeAtOnce === true) await keep();
  else afterSuccess(keep);
  debug(env, `${whole}${policy.writeAtOnce === true ? '' : '; its index is kept if the command succeeds'}`);
  return { file, profiles: new ParsedProfiles(contents), version };
}

/** A value as the AWS CLI uses it: a sub-section (`key =` then indented lines) is there but is no value, nor is an empty one. */
function usableValue(value: IniValue | undefined): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A key's value as the section's flattened keys would have it: a string, or undefined for a missing key
 * and for a sub-section (whose keys are `key.inner`). Looked up in place, without flattening the section.
 */
function plainKey(keys: IniSection, key: string): string | undefined {
  const value = keys[key];
  return typeof value === 'string' ? value : undefined;
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

/** Why a profile cannot be used, as resolve() throws it; an error object is made only when thrown. */
export class Refusal {
  constructor(
    readonly message: string,
    readonly hint: string | undefined,
  ) {}

  static of(error: AwsmfaError): Refusal {
    return new Refusal(error.message, error.hint);
  }

  error(): AwsmfaError {
    return new AwsmfaError(this.message, this.hint === undefined ? {} : { hint: this.hint });
  }
}

function refuse(message: string, options: { hint: string }): Refusal {
  return new Refusal(message, options.hint);
}

/** Settings that make the AWS CLI take credentials from elsewhere: what they are, and the command that uses them. */
const OTHER_SOURCES = [
  ['sso_session', 'AWS IAM Identity Center (SSO)', 'aws sso login'],
  ['sso_start_url', 'AWS IAM Identity Center (SSO)', 'aws sso login'],
  ['credential_process', 'a credential_process command', 'aws sts get-caller-identity'],
  ['web_identity_token_file', 'a web identity token', 'aws sts get-caller-identity'],
] as const;

/** What every refusal of another credential source says awsmfa is for. */
const WHAT_AWSMFA_DOES = "awsmfa makes MFA sessions from IAM users' long-term keys, and assumes roles with them";

export class ProfileSet {
  private readonly configFile: FileProfiles;
  private readonly credentialsFile: FileProfiles;
  private readingSource: ProfileReading | (() => ProfileReading) | undefined;
  /** The versions of the files the profiles were read from (null: there was no file); absent for a set made by hand. */
  versions: { readonly config: FileVersion | null; readonly credentials: FileVersion | null } | undefined;

  constructor(
    readonly files: ProfileFiles,
    config: Record<string, Section> | FileProfiles,
    credentials: Record<string, Section> | FileProfiles,
    /** The parsed files behind the profiles (worked out when first asked for); absent for a set made by hand. */
    reading?: ProfileReading | (() => ProfileReading),
  ) {
    this.configFile = config instanceof FileProfiles ? config : new GivenProfiles(config);
    this.credentialsFile = credentials instanceof FileProfiles ? credentials : new GivenProfiles(credentials);
    this.readingSource = reading;
  }

  /** The parsed files: both parsed whole, for doctor; commands that look up profiles do not need it. */
  get reading(): ProfileReading | undefined {
    if (typeof this.readingSource === 'function') this.readingSource = this.readingSource();
    return this.readingSource;
  }

  /** The files whose sections are being looked up through their index (config-index.ts) rather than parsed whole. */
  indexedFiles(): string[] {
    return [
      [this.configFile, this.files.configPath],
      [this.credentialsFile, this.files.credentialsPath],
    ].flatMap(([file, path]) => (file instanceof IndexedProfiles && file.throughIndex ? [path as string] : []));
  }

  private sortedNames: readonly string[] | undefined;

  /** Every profile name, sorted; worked out once per set (commands ask for it per profile). */
  names(): string[] {
    this.sortedNames ??= [...new Set([...this.configFile.names(), ...this.credentialsFile.names()])].sort();
    return [...this.sortedNames];
  }

  has(name: string): boolean {
    return this.configFile.has(name) || this.credentialsFile.has(name);
  }

  /** The profile's section of the credentials file as the loader read it, if there is one. */
  credentialsSection(name: string): Readonly<Record<string, string>> | undefined {
    return this.credentialsFile.flat(name) as Record<string, string> | undefined;
  }

  /** The profile's section of the config file as the loader read it, if there is one. */
  configSection(name: string): Readonly<Record<string, string>> | undefined {
    return this.configFile.flat(name) as Record<string, string> | undefined;
  }

  /** All of a profile's keys as the AWS CLI sees them: the config file's, with the credentials file's over them. */
  sectionKeys(name: string): Readonly<Record<string, string>> | undefined {
    if (!this.has(name)) return undefined;
    return flatten(Object.assign(Object.create(null) as Record<string, IniValue>, this.configFile.raw(name), this.credentialsFile.raw(name))) as Record<string, string>;
  }

  /**
   * A setting of one profile. As in the AWS CLI, a key in the credentials file replaces the config
   * file's, even when it is empty (and an empty value is no value).
   */
  setting(profile: string, key: string): { value: string; file: string } | undefined {
    const fromCredentials = this.credentialsFile.raw(profile)?.[key];
    if (fromCredentials !== undefined) {
      const value = usableValue(fromCredentials);
      return value === undefined ? undefined : { value, file: this.files.credentialsPath };
    }
    const value = usableValue(this.configFile.raw(profile)?.[key]);
    return value === undefined ? undefined : { value, file: this.files.configPath };
  }

  /** setting()'s value alone, without an object per call (list asks tens of thousands). */
  value(profile: string, key: string): string | undefined {
    const fromCredentials = this.credentialsFile.raw(profile)?.[key];
    return usableValue(fromCredentials !== undefined ? fromCredentials : this.configFile.raw(profile)?.[key]);
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
    const resolved = this.resolution(name);
    if (resolved instanceof Refusal) throw resolved.error();
    return resolved;
  }

  /**
   * What resolve() answers, without throwing: the profile, or why it cannot be used. For commands that
   * look at every profile (list), where thousands of thrown errors would cost more than the rest.
   */
  resolution(name: string): ResolvedProfile | Refusal {
    if (!this.has(name)) return Refusal.of(this.unknownProfile(name));
    const chain: string[] = [];
    const hops: RoleHop[] = [];
    let current = name;
    for (;;) {
      const keyed = this.hasStaticKeys(current);
      if (chain.includes(current)) {
        // As in the AWS CLI, a role profile may name itself as source_profile to use its own keys.
        if (current === chain.at(-1) && keyed) break;
        return refuse(`source_profile loops: ${[...chain, current].map((n) => `[${n}]`).join(' -> ')}`, {
          hint: `Change source_profile in one of those profiles of ${this.files.configPath} so that the chain ends at a profile with keys.`,
        });
      }
      chain.push(current);
      const roleArn = this.value(current, 'role_arn');
      const source = this.value(current, 'source_profile');
      // As in the AWS CLI and the SDKs, a source profile's own keys win over its role_arn.
      if (chain.length > 1 && keyed) break;
      if (roleArn !== undefined) {
        const durationSeconds = this.duration(current);
        if (durationSeconds instanceof Refusal) return durationSeconds;
        hops.unshift({
          profile: current,
          roleArn,
          externalId: this.value(current, 'external_id'),
          roleSessionName: this.value(current, 'role_session_name'),
          durationSeconds,
          mfaSerial: this.value(current, 'mfa_serial'),
        });
        if (source !== undefined && this.value(current, 'credential_source') !== undefined) {
          return refuse(`profile [${current}] has both source_profile and credential_source, which the AWS CLI refuses`, {
            hint: `Keep only source_profile in [${current}] of ${this.files.configPath}.`,
          });
        }
        if (source === undefined) {
          const credentialSource = this.setting(current, 'credential_source');
          if (credentialSource !== undefined) {
            return refuse(
              `profile [${current}] assumes its role with credentials from ${JSON.stringify(credentialSource.value)} (credential_source in ${credentialSource.file}), not from an IAM user's keys; ${WHAT_AWSMFA_DOES}`,
              { hint: `The AWS CLI and SDKs use [${current}] as it is. For awsmfa, replace credential_source with source_profile = <a profile holding an IAM user's long-term keys>.` },
            );
          }
          return refuse(`profile [${current}] has role_arn but no source_profile`, {
            hint: `Add source_profile = <profile with long-term keys> to [${current}] in ${this.files.configPath}.`,
          });
        }
      } else if (keyed || source === undefined) {
        break;
      }
      if (!this.has(source)) {
        const near = this.suggest(source);
        return refuse(`profile [${current}] names source_profile ${JSON.stringify(source)}, which does not exist`, {
          hint: near.length > 0 ? `Did you mean ${near.map((n) => JSON.stringify(n)).join(', ')}?` : `Add [${source}] with long-term keys to ${this.files.credentialsPath}.`,
        });
      }
      current = source;
    }
    const keys = this.keysOf(current, name);
    if (keys instanceof Refusal) return keys;
    const durationSeconds = this.duration(name);
    if (durationSeconds instanceof Refusal) return durationSeconds;
    return {
      name,
      chain,
      keys,
      mfaSerial: this.firstInChain(chain, 'mfa_serial'),
      mfaProcess: this.firstInChain(chain, 'mfa_process'),
      region: this.firstInChain(chain, 'region'),
      durationSeconds,
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
    const keys = this.configFile.service(named)?.[service];
    return typeof keys === 'object' ? keys.endpoint_url || undefined : undefined;
  }

  private firstInChain(chain: readonly string[], key: string): string | undefined {
    for (const profile of chain) {
      const value = this.value(profile, key);
      if (value !== undefined) return value;
    }
    return undefined;
  }

  private duration(profile: string): number | undefined | Refusal {
    const setting = this.setting(profile, 'duration_seconds');
    if (setting === undefined) return undefined;
    if (!/^\d{1,9}$/.test(setting.value)) {
      return refuse(`duration_seconds in [${profile}] of ${setting.file} is not a whole number of seconds`, {
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
  private otherCredentialSource(profile: string): Refusal | undefined {
    for (const [key, what, instead] of OTHER_SOURCES) {
      const setting = this.setting(profile, key);
      if (setting === undefined) continue;
      return refuse(`profile [${profile}] gets its credentials from ${what} (${key} in ${setting.file}), not from an IAM user's keys; ${WHAT_AWSMFA_DOES}`, {
        hint: `Use the profile with the AWS CLI and SDKs directly (\`${instead} --profile ${profile}\`), or point source_profile at a profile holding an IAM user's long-term keys.`,
      });
    }
    return undefined;
  }

  /** As botocore decides whether a profile holds static keys: either key is there, in either file. */
  private hasStaticKeys(profile: string): boolean {
    return [this.credentialsFile.raw(profile), this.configFile.raw(profile)].some((keys) => keys !== undefined && (plainKey(keys, 'aws_access_key_id') !== undefined || plainKey(keys, 'aws_secret_access_key') !== undefined));
  }

  /**
   * The pair of keys as the AWS CLI takes it: from the credentials file when its section has
   * aws_access_key_id, else from the config file; never an id from one file and a secret from the other.
   */
  private keysOf(profile: string, asked: string): LongTermKeys | Refusal {
    const fromCredentials = this.credentialsFile.raw(profile);
    const [section, file] =
      fromCredentials !== undefined && plainKey(fromCredentials, 'aws_access_key_id') !== undefined
        ? [fromCredentials, this.files.credentialsPath]
        : [this.configFile.raw(profile), this.files.configPath];
    const id = (section && plainKey(section, 'aws_access_key_id')) || undefined;
    const secret = (section && plainKey(section, 'aws_secret_access_key')) || undefined;
    const via = profile === asked ? '' : ` (the source of [${asked}])`;
    const inKeyring = id !== undefined && marksKeyring(this.value(profile, KEYRING_SETTING));
    if (id === undefined) {
      const other = this.otherCredentialSource(profile);
      if (other !== undefined) return other;
    }
    if (id === undefined || (secret === undefined && !inKeyring)) {
      const missing = id === undefined ? 'aws_access_key_id' : 'aws_secret_access_key';
      const where = id === undefined ? this.files.credentialsPath : file;
      return refuse(`profile [${profile}]${via} has no ${missing}${id === undefined ? '' : ` in ${file}, where its aws_access_key_id is`}`, {
        hint: `Put the IAM user's long-term access key (both aws_access_key_id and aws_secret_access_key) in [${profile}] of ${where}.`,
      });
    }
    const login = loginSessionOf(this, profile);
    if (login !== undefined) {
      // Written by `awsmfa login`: a session to use as it is, not keys to fix.
      return refuse(`profile [${profile}]${via} holds ${describeLoginSession(login)}, not an IAM user's long-term keys`, {
        hint: `Use it as it is (aws --profile ${profile} …); to renew it: ${renewCommand(login)}.`,
      });
    }
    if (this.value(profile, 'aws_session_token') !== undefined || id.startsWith('ASIA')) {
      return refuse(`profile [${profile}]${via} holds temporary session keys, not long-term keys`, {
        hint: `awsmfa needs the IAM user's long-term access key (AKIA…) in [${profile}] of ${file}; remove aws_session_token there.`,
      });
    }
    if (inKeyring) return keyringKeys(id, profile, file);
    return { accessKeyId: id, secretAccessKey: secret!, profile, file };
  }
}

/** The profiles of the AWS files, each file read once; a large one looked up through its index when it has one. */
export async function loadProfiles(env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<ProfileSet> {
  const files = profileFiles(env);
  const policy = options.index ?? INDEX_POLICY;
  // Both reads finish (an index being written included) before either's refusal is thrown; the config file's first.
  const [configRead, credentialsRead] = await Promise.allSettled([
    readProfiles(files.configPath, false, env, policy, options.everyProfile === true),
    readProfiles(files.credentialsPath, true, env, policy, options.everyProfile === true),
  ]);
  if (configRead.status === 'rejected') throw configRead.reason;
  if (credentialsRead.status === 'rejected') throw credentialsRead.reason;
  const [config, credentials] = [configRead.value, credentialsRead.value];
  const set = new ProfileSet(files, config.profiles, credentials.profiles, () => readingOf(config.file.contents(), credentials.file.contents()));
  set.versions = { config: config.version, credentials: credentials.version };
  return set;
}

function readingOf(config: FileContents, credentials: FileContents): ProfileReading {
  const keysOf = (profiles: ReadonlyMap<string, ProfileSource>) => new Map([...profiles].map(([name, source]) => [name, source.keys]));
  return {
    config: config.parsed,
    credentials: credentials.parsed,
    ssoSessions: config.ssoSessions,
    services: config.services,
    configHeaders: new Map([...config.profiles].map(([name, source]) => [name, source.section])),
    configProfiles: keysOf(config.profiles),
    credentialsProfiles: keysOf(credentials.profiles),
  };
}

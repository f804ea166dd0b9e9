/**
 * What `list` says of each profile that depends on the AWS files alone (report/profiles.ts's
 * ProfileFacts), kept in the cache for large files so that a run whose files have not changed neither
 * parses them nor resolves thousands of profiles. What depends on the run (cached sessions, the time,
 * colours) is added at every run, so a listing read back prints exactly what one made afresh prints.
 *
 * One file per pair of config and credentials paths in the cache directory (0700), 0600, replaced
 * atomically (SessionCache.writeJson). It holds what `list --json` prints (names, ARNs, regions,
 * problems), never a key. It is trusted only for the very versions of both files it was made from,
 * identified as config-index.ts identifies a file (device, inode, size, mtime and ctime in ns, or no
 * file at all), and by the same awsmfa; it is made only of files whose times are settled (git's
 * "racily clean" rule, see config-index.ts), once the command has succeeded.
 */
import { afterSuccess, currentIdentity, INDEX_POLICY, isIdentity, settled, storedIdentity, type FileIdentity, type FileVersion, type IndexPolicy } from '../aws/config-index.js';
import type { LoginSession } from '../aws/login-session.js';
import { loadProfiles, profileFiles, type ProfileFiles } from '../aws/profiles.js';
import { VERSION } from '../commands/version.js';
import { SessionCache } from '../session/cache.js';
import { profileFacts, profileNames, type ProfileFacts } from './profiles.js';

/** Bumped whenever what a row holds changes, as the awsmfa version is for a release. */
const FORMAT = 1;

/**
 * A row as kept: `[name, kind, needsMfa, mfaSerial, roleArn, sourceProfile, chain, region, files,
 * usable, problem, login]`, the files as a string of digits, 0 for the config file and 1 for the
 * credentials file (`"10"`: both, the credentials file first), and login `null` or `[source,
 * expiration, file]`. Arrays and digits: 5,000 rows are read back at every run, and the few distinct
 * lists of files are made once each, not once per row.
 */
type Row = [string, ProfileFacts['kind'], boolean, string | null, string | null, string | null, string[], string | null, string, boolean, string | null, [string | null, string | null, number] | null];

interface Stored {
  readonly format: typeof FORMAT;
  readonly version: string;
  readonly configPath: string;
  readonly credentialsPath: string;
  /** Each file's identity, or null when there was no file. */
  readonly config: ReturnType<typeof storedIdentity> | null;
  readonly credentials: ReturnType<typeof storedIdentity> | null;
  readonly rows: readonly Row[];
}

export interface Listing {
  readonly files: ProfileFiles;
  readonly facts: readonly ProfileFacts[];
}

function listingPath(cache: SessionCache, files: ProfileFiles): string {
  return cache.fileFor(JSON.stringify([files.configPath, files.credentialsPath]), 'listing');
}

/** `--debug`: which way the listing was made, on stderr. */
function debug(env: NodeJS.ProcessEnv, line: string): void {
  if (env.AWSMFA_DEBUG === '1') process.stderr.write(`awsmfa: debug: list: ${line}\n`);
}

const nullableString = (value: unknown): value is string | null => value === null || typeof value === 'string';

/**
 * The facts of a kept row, or undefined when it is not one. Indexes and plain loops rather than
 * destructuring and callbacks: this runs for thousands of rows, before the optimising compiler starts.
 */
function factsOf(row: unknown, files: ProfileFiles, lists: Map<string, readonly string[] | undefined>): ProfileFacts | undefined {
  if (!Array.isArray(row) || row.length !== 12) return undefined;
  const fields = row as unknown[];
  const name = fields[0];
  const kind = fields[1];
  const needsMfa = fields[2];
  const mfaSerial = fields[3];
  const roleArn = fields[4];
  const sourceProfile = fields[5];
  const chain = fields[6];
  const region = fields[7];
  const usable = fields[9];
  const problem = fields[10];
  const login = fields[11];
  if (typeof name !== 'string' || (kind !== 'user' && kind !== 'role' && kind !== 'other') || typeof needsMfa !== 'boolean' || typeof usable !== 'boolean') return undefined;
  if (!nullableString(mfaSerial) || !nullableString(roleArn) || !nullableString(sourceProfile) || !nullableString(region) || !nullableString(problem)) return undefined;
  if (!Array.isArray(chain)) return undefined;
  for (let at = 0; at < chain.length; at++) if (typeof chain[at] !== 'string') return undefined;
  const digits = fields[8];
  if (typeof digits !== 'string') return undefined;
  if (!lists.has(digits)) lists.set(digits, pathsOf(digits, files));
  const paths = lists.get(digits);
  if (paths === undefined) return undefined;
  let session: LoginSession | null = null;
  if (login !== null) {
    if (!Array.isArray(login) || login.length !== 3) return undefined;
    const source: unknown = login[0];
    const expiration: unknown = login[1];
    const path = pathOf(login[2], files);
    if (!nullableString(source) || !nullableString(expiration) || path === undefined) return undefined;
    session = { profile: name, source: source ?? undefined, expiration: expiration ?? undefined, file: path };
  }
  // In the order of a ProfileView's keys: `list --json` prints them in this order.
  return { name, kind: kind as ProfileFacts['kind'], needsMfa, mfaSerial, roleArn, sourceProfile, chain: chain as string[], region, files: paths as string[], usable, problem, login: session };
}

/** The path a file's number stands for (0: the config file, 1: the credentials file). */
function pathOf(number: unknown, files: ProfileFiles): string | undefined {
  return number === 0 ? files.configPath : number === 1 ? files.credentialsPath : undefined;
}

/** The paths a string of digits stands for, or undefined when it is not one. */
function pathsOf(digits: string, files: ProfileFiles): string[] | undefined {
  const paths: string[] = [];
  for (let at = 0; at < digits.length; at++) {
    const digit = digits.charCodeAt(at) - 48;
    const path = pathOf(digit, files);
    if (path === undefined) return undefined;
    paths.push(path);
  }
  return paths;
}

/** The row of a profile's facts, or undefined when a file it names is neither of the two (then nothing is kept). */
function rowOf(facts: ProfileFacts, files: ProfileFiles): Row | undefined {
  const number = (path: string) => (path === files.configPath ? 0 : path === files.credentialsPath ? 1 : -1);
  const fileNumbers = facts.files.map(number);
  const login = facts.login;
  if (fileNumbers.includes(-1) || (login !== null && number(login.file) === -1)) return undefined;
  const digits = fileNumbers.join('');
  return [
    facts.name,
    facts.kind,
    facts.needsMfa,
    facts.mfaSerial,
    facts.roleArn,
    facts.sourceProfile,
    [...facts.chain],
    facts.region,
    digits,
    facts.usable,
    facts.problem,
    login === null ? null : [login.source ?? null, login.expiration ?? null, number(login.file)],
  ];
}

const sameVersion = (stored: unknown, identity: FileIdentity | null) => (identity === null ? stored === null : isIdentity(stored, identity));

/** The kept listing of exactly these versions of the files, or undefined. */
async function readListing(cache: SessionCache, files: ProfileFiles, config: FileIdentity | null, credentials: FileIdentity | null): Promise<ProfileFacts[] | undefined> {
  let stored: Partial<Stored> | null | undefined;
  try {
    stored = (await cache.readRecord(listingPath(cache, files))) as Partial<Stored> | null | undefined;
  } catch {
    // A cache directory or file awsmfa would refuse for sessions is no place to trust a listing from.
    return undefined;
  }
  if (typeof stored !== 'object' || stored === null || stored.format !== FORMAT || stored.version !== VERSION) return undefined;
  if (stored.configPath !== files.configPath || stored.credentialsPath !== files.credentialsPath) return undefined;
  if (!sameVersion(stored.config, config) || !sameVersion(stored.credentials, credentials) || !Array.isArray(stored.rows)) return undefined;
  const facts: ProfileFacts[] = [];
  const lists = new Map<string, readonly string[] | undefined>();
  for (const row of stored.rows) {
    const each = factsOf(row, files, lists);
    if (each === undefined) return undefined;
    facts.push(each);
  }
  return facts;
}

/** Keeps the listing of files read as `versions` when both are settled; true when it was written. */
async function writeListing(cache: SessionCache, files: ProfileFiles, versions: readonly (FileVersion | null)[], facts: readonly ProfileFacts[]): Promise<boolean> {
  const rows: Row[] = [];
  for (const each of facts) {
    const row = rowOf(each, files);
    if (row === undefined) return false;
    rows.push(row);
  }
  const [config, credentials] = versions.map((version) => (version === null ? null : storedIdentity(version.identity)));
  const stored: Stored = { format: FORMAT, version: VERSION, configPath: files.configPath, credentialsPath: files.credentialsPath, config: config!, credentials: credentials!, rows };
  try {
    await cache.writeJson(listingPath(cache, files), stored);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every profile's facts: from the kept listing when both files are as it was made from, else from the
 * files parsed whole (and kept for the next run when they are large and settled). `policy` as for the
 * config index: the same size threshold and settling margin.
 */
export async function listProfiles(env: NodeJS.ProcessEnv, policy: IndexPolicy = INDEX_POLICY): Promise<Listing> {
  const files = profileFiles(env);
  const cache = SessionCache.forEnvironment(env);
  const [config, credentials] = await Promise.all([currentIdentity(files.configPath), currentIdentity(files.credentialsPath)]);
  const size = (config?.size ?? 0n) + (credentials?.size ?? 0n);
  const large = size >= BigInt(policy.minBytes);
  if (config !== undefined && credentials !== undefined && large) {
    const kept = await readListing(cache, files, config, credentials);
    if (kept !== undefined) {
      debug(env, `${kept.length} profiles from the listing kept for these versions of both files`);
      return { files, facts: kept };
    }
  }
  const profiles = await loadProfiles(env, { everyProfile: true });
  const facts = profileNames(profiles).map((name) => profileFacts(profiles, name));
  const versions = profiles.versions;
  if (!large || versions === undefined) {
    debug(env, `${facts.length} profiles from the files (under ${policy.minBytes} bytes together: no listing kept)`);
    return { files, facts };
  }
  const read = [versions.config, versions.credentials];
  if (!read.every((version) => version === null || settled(version.identity, version.readAt, policy.settledNs))) {
    debug(env, `${facts.length} profiles from the files (no listing kept: a file changed too recently)`);
    return { files, facts };
  }
  const keep = async () => debug(env, (await writeListing(cache, files, read, facts)) ? 'listing written' : 'listing not written (the cache cannot be written)');
  debug(env, `${facts.length} profiles from the files; their listing is kept if the command succeeds`);
  if (policy.writeAtOnce === true) await keep();
  else afterSuccess(keep);
  return { files, facts };
}

/**
 * Hostile input through the built CLI: profile names and config values built to break out of quotes,
 * run commands, hide themselves on the terminal or overwhelm it; config files that are not files, cannot
 * be read, are binary or huge; codes and durations that are almost right; an STS endpoint that answers
 * garbage, slowly, or with credentials that are not credentials.
 *
 * Every case must end the same way: exit status 1, stdout exactly the statement that makes the eval fail,
 * stderr one error and one hint (no stack, no control characters, no flood), and nothing changed: the
 * whole HOME (cache, rc files, AWS files) is fingerprinted before and after, and a command smuggled into
 * a value would have created a file there.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { promisify } from 'node:util';
import type { ShellName } from '../src/shell/dialect.js';
import { fakeSts, fingerprint, type FakeSts } from './helpers/faults.js';
import { ADMIN_ROLE, CLI, createWorld, DEFAULT_CREDENTIALS, doug, runProgram, type RunResult, type World } from './helpers/fixture.js';
import { initFile } from './helpers/integration.js';
import { runShell, shellAvailable } from './helpers/shells.js';

const SERIAL = 'arn:aws:iam::123456789012:mfa/doug';
const PWNED = 'PWNED';

interface Case {
  readonly what: string;
  /** Arguments after `awsmfa`; the case directory is the working directory. */
  readonly args: readonly string[];
  /** The config file's text; the world's own when absent. `{pwned}` becomes a path in HOME. */
  readonly config?: string;
  readonly credentials?: string;
  /** Makes something other than a plain file the config file; returns its path. */
  readonly configAt?: (dir: string) => Promise<string>;
  /** A misbehaving STS for this case ('closed': a port nothing listens on). */
  readonly sts?: ((request: IncomingMessage, response: ServerResponse) => void) | 'closed';
  readonly env?: Record<string, string>;
  /** The error line (after `awsmfa: error: `) or, for a usage error, anything on stderr. */
  readonly error: RegExp;
  readonly hint?: RegExp;
  /** The secret that must not show (the case's own key). */
  readonly secret?: string;
}

const keys = (id = 'AKIADOUGDOUG0EXAMPLE', secret = 'dougSecretKeyEXAMPLE/0123456789abcdefghij') => `aws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`;
const plainProfile = (settings: string) => `[profile victim]\n${settings}\n`;
const victimKeys = `[victim]\n${keys()}`;

/** A profile name made of everything a shell, printf or a terminal would act on. */
const NASTY_NAME = `q'"$(touch {pwned})\`touch {pwned}\`;touch {pwned}%s%n&|<>\\ü😀`;

const STS_XML = (credentials: string) =>
  `<GetSessionTokenResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetSessionTokenResult><Credentials>${credentials}</Credentials></GetSessionTokenResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetSessionTokenResponse>`;
const answer = (status: number, type: string, body: string | Buffer) => (_request: IncomingMessage, response: ServerResponse) => {
  response.writeHead(status, { 'content-type': type });
  response.end(body);
};
const farFuture = new Date(Date.now() + 3600_000).toISOString();

/** A deterministic byte soup (xorshift), so that a failure can be reproduced. */
function binary(size: number, seed = 0x9e3779b9): Buffer {
  const bytes = Buffer.alloc(size);
  let x = seed >>> 0;
  for (let i = 0; i < size; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const NOT_A_FILE = /is not a regular file/;
const env = (...args: string[]) => ['env', ...args, '--shell', 'bash'];

const CASES: readonly Case[] = [
  // Profile names on the command line.
  { what: 'a name with quotes', args: env(`it's "me"`), error: /^profile "it's \\"me\\"" is not in /, hint: /awsmfa list/ },
  { what: 'a name with $( )', args: env('$(touch {pwned})'), error: /^profile "\$\(touch .*PWNED\)" is not in / },
  { what: 'a name with backticks', args: env('`touch {pwned}`'), error: /^profile "`touch .*PWNED`" is not in / },
  { what: 'a name with ;', args: env('doug;touch {pwned}'), error: /^profile "doug;touch .*" is not in /, hint: /Did you mean "doug"\?/ },
  { what: 'a name with a newline', args: env('doug\nexport AWS_PROFILE=evil'), error: /^profile "doug\\nexport AWS_PROFILE=evil" is not in / },
  { what: 'a name with % directives', args: env('%s%n%x%99999999s'), error: /^profile "%s%n%x%99999999s" is not in / },
  { what: 'a name in Unicode', args: env('dóug-😀-ダグ'), error: /^profile "dóug-😀-ダグ" is not in / },
  { what: 'a name with a right-to-left override', args: env('doug\u202egnp.exe'), error: /^profile "doug\\u202egnp\.exe" is not in / },
  { what: 'a name with terminal escapes', args: env('\u001b[2J\u001b]0;owned\u0007doug'), error: /^profile "\\u001b\[2J\\u001b\]0;owned\\u0007doug" is not in / },
  { what: 'a name of 100 000 characters', args: env('x'.repeat(100_000)), error: /^profile "x{63}…\[\d+ more characters\]…x{31}" is not in / },
  { what: 'a name that is an option', args: ['env', '--shell', 'bash', '-x'], error: /^unknown option "-x" for `awsmfa env`$/, hint: /^usage: awsmfa env / },
  { what: 'a name after -- that looks like an option', args: ['env', '--shell', 'bash', '--', '-x'], error: /^profile "-x" is not in / },
  { what: 'the name __proto__', args: env('__proto__'), error: /^profile "__proto__" is not in / },
  { what: 'the name constructor', args: env('constructor'), error: /^profile "constructor" is not in / },

  // Values in the config and credentials files.
  { what: 'mfa_serial with $( )', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = arn:aws:iam::123456789012:mfa/$(touch {pwned})`), credentials: victimKeys, error: /^mfa_serial "arn:aws:iam::123456789012:mfa\/\$\(touch .*\)" of \[victim\] in .* is not an MFA device ARN$/, hint: /arn:aws:iam::123456789012:mfa\/doug/ },
  { what: 'mfa_serial with backticks and quotes', args: env('victim', '--token-code', '123456'), config: plainProfile("mfa_serial = arn:aws:iam::123456789012:mfa/`id`'\""), credentials: victimKeys, error: /is not an MFA device ARN$/ },
  { what: 'mfa_serial with a NUL', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}\u0000x`), credentials: victimKeys, error: /^mfa_serial "arn:aws:iam::123456789012:mfa\/doug\\u0000x" of \[victim\]/ },
  { what: 'mfa_serial of a megabyte', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = arn:aws:iam::123456789012:mfa/${'d'.repeat(1 << 20)}`), credentials: victimKeys, error: /^mfa_serial "arn:aws:iam::123456789012:mfa\/d+…\[1048\d+ more characters\]…d+" of \[victim\]/ },
  { what: 'no mfa_serial in a hostile-named profile', args: env("x'$(touch {pwned})", '--token-code', '123456'), credentials: `[x'$(touch {pwned})]\n${keys()}`, error: /^profile \[x'\$\(touch .*\)\] has no mfa_serial$/ },
  { what: 'region with $( )', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}\nregion = $(touch {pwned})`), credentials: victimKeys, error: /^the region "\$\(touch .*\)" of \[victim\] in .* is not an AWS region$/ },
  { what: 'region with ;', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}\nregion = eu-west-1;touch`), credentials: victimKeys, error: /^the region "eu-west-1;touch" of \[victim\]/ },
  { what: 'endpoint_url that is not http', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}\nendpoint_url = file:///etc/passwd`), credentials: victimKeys, env: { AWS_ENDPOINT_URL_STS: '' }, error: /^the STS endpoint "file:\/\/\/etc\/passwd" from endpoint_url of \[victim\] is not an http\(s\) URL$/ },
  { what: 'AWS_ENDPOINT_URL_STS that is not a URL', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}`), credentials: victimKeys, env: { AWS_ENDPOINT_URL_STS: 'sts $(touch {pwned})' }, error: /^the STS endpoint "sts \$\(touch .*\)" from AWS_ENDPOINT_URL_STS is not an http\(s\) URL$/ },
  { what: 'an access key id with a space', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}`), credentials: `[victim]\n${keys('AKIA DOUG$(touch {pwned})')}`, error: /^aws_access_key_id of \[victim\] in .* is not an access key id/ },
  { what: 'a secret key with a NUL and non-ASCII', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}`), credentials: `[victim]\n${keys(undefined, 'SECRETsecret\u0000ünicode')}`, secret: 'SECRETsecret', error: /^the secret access key of \[victim\] in .* has characters no secret key has/ },
  { what: 'duration_seconds that is not a number', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}\nduration_seconds = 12h`), credentials: victimKeys, error: /^duration_seconds in \[victim\] of .* is not a whole number of seconds$/ },
  { what: 'duration_seconds negative', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}\nduration_seconds = -900`), credentials: victimKeys, error: /is not a whole number of seconds$/ },
  { what: 'duration_seconds in fullwidth digits', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}\nduration_seconds = ３６００`), credentials: victimKeys, error: /is not a whole number of seconds$/ },
  { what: 'duration_seconds of 11 digits', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}\nduration_seconds = 99999999999`), credentials: victimKeys, error: /is not a whole number of seconds$/ },
  { what: 'role_arn with $( )', args: env('role', '--token-code', '123456'), config: `[profile role]\nrole_arn = arn:aws:iam::123456789012:role/x$(touch {pwned})\nsource_profile = victim\nmfa_serial = ${SERIAL}\n`, credentials: victimKeys, error: /^role_arn of \[role\] in .* is not a role ARN: "arn:aws:iam::123456789012:role\/x\$\(touch .*\)"$/ },
  { what: 'external_id with a backtick', args: env('role', '--token-code', '123456'), config: `[profile role]\nrole_arn = ${ADMIN_ROLE}\nsource_profile = victim\nexternal_id = a\`id\`b\n`, credentials: victimKeys, error: /^external_id of \[role\] in .* is not a valid external ID$/ },
  { what: 'role_session_name with quotes', args: env('role', '--token-code', '123456'), config: `[profile role]\nrole_arn = ${ADMIN_ROLE}\nsource_profile = victim\nrole_session_name = it's "me"\n`, credentials: victimKeys, error: /^role_session_name of \[role\] in .* is not a valid session name: "it's \\"me\\""$/ },
  { what: 'mfa_process with ; and a second command', args: env('victim'), config: plainProfile(`mfa_serial = ${SERIAL}\nmfa_process = echo 123456; touch {pwned}`), credentials: victimKeys, error: /^the MFA code from mfa_process in \[victim\] of .* is not only digits; it must be exactly six digits$/ },
  { what: 'mfa_process that is $( )', args: env('victim'), config: plainProfile(`mfa_serial = ${SERIAL}\nmfa_process = $(touch {pwned})`), credentials: victimKeys, error: /^mfa_process in \[victim\] of .* failed: \$\(touch was not found$/ },
  { what: 'mfa_process with an open quote', args: env('victim'), config: plainProfile(`mfa_serial = ${SERIAL}\nmfa_process = echo '123456`), credentials: victimKeys, error: /^mfa_process in \[victim\] of .* cannot be split into words/ },
  { what: 'mfa_process printing seven digits', args: env('victim'), config: plainProfile(`mfa_serial = ${SERIAL}\nmfa_process = echo 1234567`), credentials: victimKeys, error: /^the MFA code from mfa_process in \[victim\] of .* has 7 digits; it must be exactly six digits$/ },
  { what: 'mfa_process printing a code with a space', args: env('victim'), config: plainProfile(`mfa_serial = ${SERIAL}\nmfa_process = echo 123 456`), credentials: victimKeys, error: /is not only digits; it must be exactly six digits$/ },
  { what: 'a source_profile loop', args: env('a', '--token-code', '123456'), config: '[profile a]\nsource_profile = b\nrole_arn = arn:aws:iam::123456789012:role/a\n[profile b]\nsource_profile = a\nrole_arn = arn:aws:iam::123456789012:role/b\n', credentials: '', error: /^source_profile loops: \[a\] -> \[b\] -> \[a\]$/ },
  { what: 'a source_profile naming itself, without keys', args: env('a', '--token-code', '123456'), config: '[profile a]\nsource_profile = a\nrole_arn = arn:aws:iam::123456789012:role/a\n', credentials: '', error: /^source_profile loops: \[a\] -> \[a\]$/ },
  {
    what: 'a source_profile chain of 5000 profiles that loops at the end',
    args: env('p0', '--token-code', '123456'),
    config: Array.from({ length: 5000 }, (_, i) => `[profile p${i}]\nsource_profile = p${(i + 1) % 5000}\n`).join(''),
    credentials: '',
    error: /^source_profile loops: \[p0\] -> \[p1\] -> .*…\[\d+ more characters\]….* -> \[p4999\] -> \[p0\]$/,
  },
  { what: 'a profile with no mfa_serial', args: env('victim', '--token-code', '123456'), config: plainProfile('region = eu-west-1'), credentials: victimKeys, error: /^profile \[victim\] has no mfa_serial$/ },

  // Codes.
  ...['1234567', '12345', ' 123456', '123456 ', '123 456', '１２３４５６', '١٢٣٤٥٦', '12345６', '$(touch {pwned})'].map((code) => ({
    what: `the code ${JSON.stringify(code)}`,
    args: env('victim', '--token-code', code),
    config: plainProfile(`mfa_serial = ${SERIAL}`),
    credentials: victimKeys,
    error: /^the MFA code from --token-code (has \d digits|is not only digits); it must be exactly six digits$/,
    hint: /^Use the six digits your MFA device shows now, with no spaces\.$/,
  })),

  // Durations.
  ...['soon', '1e3', '0x384', '3600.5', '', 'Infinity', ' 3600', '９００', '99999999999999999999999'].map((duration) => ({
    what: `--duration ${JSON.stringify(duration)}`,
    args: env('victim', '--token-code', '123456', '--duration', duration),
    config: plainProfile(`mfa_serial = ${SERIAL}`),
    credentials: victimKeys,
    error: /^`awsmfa env`: invalid value for --duration: /,
    hint: /^usage: awsmfa env .*--duration,-d SECONDS/,
  })),
  ...[
    ['899', /the duration 899 s from --duration is outside what GetSessionToken allows \(900 to 129600 s\)/],
    ['129601', /outside what GetSessionToken allows/],
    ['-3600', /the duration -3600 s from --duration is outside what GetSessionToken allows/],
  ].map(([duration, error]) => ({
    what: `--duration=${duration as string}`,
    args: env('victim', '--token-code', '123456', `--duration=${duration as string}`),
    config: plainProfile(`mfa_serial = ${SERIAL}`),
    credentials: victimKeys,
    error: error as RegExp,
  })),

  // The config file itself.
  { what: 'a config file that is a directory', args: env('doug', '--force', '--token-code', '123456'), configAt: async (dir) => { await mkdir(join(dir, 'config.d')); return join(dir, 'config.d'); }, error: NOT_A_FILE },
  { what: 'a config file that is a FIFO nobody writes to', args: env('doug', '--force', '--token-code', '123456'), configAt: async (dir) => { await promisify(execFile)('mkfifo', [join(dir, 'fifo')]); return join(dir, 'fifo'); }, error: NOT_A_FILE },
  { what: 'a config file that is /dev/zero', args: env('doug', '--force', '--token-code', '123456'), configAt: async () => '/dev/zero', error: /^\/dev\/zero is not a regular file$/ },
  { what: 'a config file that cannot be read (EIO)', args: env('doug', '--force', '--token-code', '123456'), configAt: async () => '/proc/self/mem', error: /^cannot read \/proc\/self\/mem \(EIO\)$/, hint: /ls -l \/proc\/self\/mem/ },
  { what: 'a config file that is a symbolic link loop', args: env('doug', '--force', '--token-code', '123456'), configAt: async (dir) => { await symlink(join(dir, 'b'), join(dir, 'a')); await symlink(join(dir, 'a'), join(dir, 'b')); return join(dir, 'a'); }, error: /^.*\/a is a symbolic link that loops$/ },
  { what: 'a config file of 50 MB', args: env('doug', '--force', '--token-code', '123456'), configAt: async (dir) => { await writeFile(join(dir, 'big'), ''); await truncate(join(dir, 'big'), 50 * 1024 * 1024); return join(dir, 'big'); }, error: /^.*\/big is 50 MB, too large to be an AWS config or credentials file$/ },
  { what: 'a binary config file', args: env('victim', '--token-code', '123456'), configAt: async (dir) => { await writeFile(join(dir, 'binary'), binary(64 * 1024)); return join(dir, 'binary'); }, credentials: victimKeys, error: /^the AWS CLI cannot read .*binary \("Unable to parse config file"\): line \d+: / },
  { what: 'a binary credentials file', args: env('victim', '--token-code', '123456'), config: plainProfile(`mfa_serial = ${SERIAL}`), credentials: binary(64 * 1024, 7).toString('latin1'), error: /^the AWS CLI cannot read .*credentials \("Unable to parse config file"\): line \d+: / },

  // STS answering, but not as STS. Each uses a device of its own, so that the runs do not wait for each other.
  ...(
    [
      ['garbage', answer(200, 'application/octet-stream', Buffer.from('\u0000\u0001garbage{<<')), /^STS at http:\/\/127\.0\.0\.1:\d+ gave an answer that is not an STS answer( \(HTTP 200\))?, for GetSessionToken for \[victim\]$/],
      ['an HTML page', answer(502, 'text/html', '<html><body><h1>502 Bad Gateway</h1></body></html>'), /^STS at .* gave an answer that is not an STS answer \(HTTP 502\), for GetSessionToken for \[victim\]$/],
      ['an empty body', answer(200, 'text/xml', ''), /^STS at .* answered GetSessionToken for \[victim\] without the credentials$/],
      ['a 403 HTML page', answer(403, 'text/html', '<html>Forbidden by proxy</html>'), /^STS at .* gave an answer that is not an STS answer \(HTTP 403\), for GetSessionToken for \[victim\]$/],
      ['a 500', answer(500, 'text/plain', ''), /^STS at .* gave an answer that is not an STS answer \(HTTP 500\)/],
      ['no credentials in the answer', answer(200, 'text/xml', STS_XML('')), /^STS at .* answered GetSessionToken for \[victim\] without the credentials$/],
      ['credentials with a line break', answer(200, 'text/xml', STS_XML(`<AccessKeyId>ASIAHOSTILE00EXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>tok&#10;export AWS_PROFILE=evil</SessionToken><Expiration>${farFuture}</Expiration>`)), /^STS at .* answered GetSessionToken for \[victim\] with credentials that are not credentials AWS issues$/],
      ['credentials with $( ) and quotes', answer(200, 'text/xml', STS_XML(`<AccessKeyId>ASIA'$(touch x)</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${farFuture}</Expiration>`)), /with credentials that are not credentials AWS issues$/],
      ['credentials that expired a minute ago', answer(200, 'text/xml', STS_XML(`<AccessKeyId>ASIAHOSTILE00EXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>${new Date(Date.now() - 60_000).toISOString()}</Expiration>`)), /^STS at .* answered GetSessionToken for \[victim\] with credentials that expired at .*, a lifetime AWS does not give$/],
      ['credentials that expire in year 0000', answer(200, 'text/xml', STS_XML('<AccessKeyId>ASIAHOSTILE00EXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>0000-01-01T00:00:00Z</Expiration>')), /^STS at .* answered GetSessionToken for \[victim\] with credentials that expired at .*, a lifetime AWS does not give$/],
      ['credentials that expire in year 9999', answer(200, 'text/xml', STS_XML('<AccessKeyId>ASIAHOSTILE00EXAMPLE</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken><Expiration>9999-12-31T23:59:59Z</Expiration>')), /^STS at .* answered GetSessionToken for \[victim\] with credentials that expire at .*, a lifetime AWS does not give$/],
      ['headers, then silence', (_request: IncomingMessage, response: ServerResponse) => { response.writeHead(200, { 'content-type': 'text/xml' }); response.write('<GetSessionTokenResponse>'); }, /^cannot reach STS at .*: no answer in time \(GetSessionToken for \[victim\]\)$/],
      ['nothing at all', () => undefined, /^cannot reach STS at .*: (no answer in time|the connection timed out) \(GetSessionToken for \[victim\]\)$/],
      ['not even listening', 'closed', /^cannot reach STS at .*: the connection was refused \(GetSessionToken for \[victim\]\)$/],
    ] as const
  ).map(([what, sts, error], index) => ({
    what: `STS answering ${what}`,
    args: env('victim', '--token-code', '123456'),
    config: plainProfile(`mfa_serial = arn:aws:iam::123456789012:mfa/sts-case-${index}`),
    credentials: victimKeys,
    sts,
    env: { AWSMFA_STS_TIMEOUT: '1' },
    error,
  })),
];

/** Up to `width` at a time. */
async function pool<T, R>(items: readonly T[], width: number, run: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await run(items[index]!, index);
      }
    }),
  );
  return results;
}

const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

test(`${CASES.length} hostile inputs and faults: exit 1, only the failure statement on stdout, one clear error, nothing changed`, async (t: TestContext) => {
  const world = await createWorld();
  const servers: FakeSts[] = [];
  try {
    // A cache with live sessions, and rc files of every shell, so that "nothing changed" means something.
    const seeded = await runProgram(process.execPath, [CLI, 'env', 'admin', '--token-code', world.code()], { env: world.env });
    assert.equal(seeded.code, 0, seeded.stderr);
    await mkdir(join(world.home, '.config', 'fish'), { recursive: true });
    await mkdir(join(world.home, '.config', 'powershell'), { recursive: true });
    for (const rc of ['.bashrc', '.bash_profile', '.zshrc', '.profile', '.config/fish/config.fish', '.config/powershell/Microsoft.PowerShell_profile.ps1']) {
      await writeFile(join(world.home, rc), '# the user\'s own\n');
    }
    const pwned = join(world.home, PWNED);
    const fill = (text: string) => text.replaceAll('{pwned}', pwned);

    const prepared: { item: Case; dir: string; env: Record<string, string>; args: string[] }[] = [];
    for (const [index, item] of CASES.entries()) {
      const dir = join(world.home, 'cases', String(index));
      await mkdir(dir, { recursive: true });
      const caseEnv: Record<string, string> = { ...world.env };
      if (item.configAt !== undefined) caseEnv.AWS_CONFIG_FILE = await item.configAt(dir);
      else if (item.config !== undefined) {
        caseEnv.AWS_CONFIG_FILE = join(dir, 'config');
        await writeFile(caseEnv.AWS_CONFIG_FILE, fill(item.config));
      }
      if (item.credentials !== undefined) {
        caseEnv.AWS_SHARED_CREDENTIALS_FILE = join(dir, 'credentials');
        await writeFile(caseEnv.AWS_SHARED_CREDENTIALS_FILE, fill(item.credentials), { mode: 0o600 });
      }
      if (item.sts !== undefined) {
        const server = await fakeSts(item.sts === 'closed' ? () => undefined : item.sts);
        caseEnv.AWS_ENDPOINT_URL_STS = server.url;
        if (item.sts === 'closed') await server.close();
        else servers.push(server);
      }
      for (const [name, value] of Object.entries(item.env ?? {})) caseEnv[name] = fill(value);
      prepared.push({ item, dir, env: caseEnv, args: item.args.map(fill) });
    }

    const before = await fingerprint(world.home);
    const calls = world.emulator.calls.length;
    const started = Date.now();
    const results: RunResult[] = await pool(prepared, 4, ({ dir, env, args }) => runProgram(process.execPath, [CLI, ...args], { env, cwd: dir, timeoutMs: 30_000 }));
    t.diagnostic(`${CASES.length} cases in ${Date.now() - started} ms`);

    for (const [index, result] of results.entries()) {
      const { item } = prepared[index]!;
      const label: string = `${item.what}: ${result.stderr.slice(0, 600)}`;
      assert.equal(result.code, 1, label);
      assert.equal(result.stdout, 'false\n', `${item.what}: stdout is only the failure statement`);
      assert.ok(!CONTROL.test(result.stderr), `${item.what}: no control characters reach the terminal`);
      assert.ok(result.stderr.length < 5000, `${item.what}: ${result.stderr.length} characters of stderr`);
      assert.ok(!/\n\s+at .*:\d+:\d+\)?\n/.test(result.stderr), `${item.what}: no stack trace`);
      if (item.secret !== undefined) assert.ok(!result.stderr.includes(item.secret), `${item.what}: the secret is not shown`);
      // Cases on the same MFA device run concurrently and may wait for each other's lock: that line is not the error.
      const stderr = result.stderr.replace(/^awsmfa: waiting for another awsmfa\b.*\n/, '');
      const parsed = /^awsmfa: error: (.*)\n {2}(.*)\n$/.exec(stderr);
      if (/Usage Error|Unknown Syntax|Unsupported option/.test(item.error.source)) {
        assert.match(result.stderr, item.error, label);
      } else {
        assert.ok(parsed, `${item.what}: one error line and one hint line, got:\n${stderr.slice(0, 2000)}`);
        assert.match(parsed[1]!, item.error, label);
        if (item.hint !== undefined) assert.match(parsed[2]!, item.hint, label);
      }
    }
    assert.deepEqual(await fingerprint(world.home), before, 'HOME is exactly as it was: cache, rc files, AWS files');
    assert.equal(world.emulator.calls.length, calls, 'the real STS was never called');
    for (const server of servers) assert.ok(server.requests() <= 1, 'at most one request per run: never a retry with the same code');
  } finally {
    await Promise.all(servers.map((server) => server.close()));
    await world.close();
  }
});

test('a config file its owner cannot read is reported as unreadable, not as empty', async (t: TestContext) => {
  const dir = await mkdtemp(join(tmpdir(), 'awsmfa-unreadable-'));
  try {
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'config'), `[profile doug]\nmfa_serial = ${SERIAL}\n`);
    await writeFile(join(dir, 'credentials'), `[doug]\n${keys()}`);
    await chmod(join(dir, 'config'), 0o000);
    await chmod(join(dir, 'credentials'), 0o644);
    const runAs = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    if (process.getuid?.() === 0) t.diagnostic('running as root, who can read any file: the CLI runs as uid 65534 (nobody) for this test');
    const result = await new Promise<RunResult>((resolve, reject) => {
      execFile(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash'], { env: { PATH: process.env.PATH ?? '', HOME: dir, AWS_CONFIG_FILE: join(dir, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'credentials'), NO_COLOR: '1' }, ...runAs }, (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') return reject(error);
        resolve({ stdout, stderr, code: error === null ? 0 : (error.code as number), signal: null });
      });
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, 'false\n');
    assert.equal(result.stderr, `awsmfa: error: cannot read ${join(dir, 'config')} (EACCES)\n  Check that ${join(dir, 'config')} exists and that you can read it (ls -l ${join(dir, 'config')}).\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('hostile profile names that do exist work, and reach bash, zsh and fish as plain text', async () => {
  const world = await createWorld({
    credentials: (user) => `${DEFAULT_CREDENTIALS(user)}\n[${NASTY_NAME}]\n${keys()}mfa_serial = ${SERIAL}\n`,
  });
  try {
    const pwned = join(world.home, PWNED);
    const name = NASTY_NAME.replaceAll('{pwned}', pwned);
    await writeFile(world.credentialsPath, `${DEFAULT_CREDENTIALS(world.user)}\n[${name}]\n${keys()}mfa_serial = ${SERIAL}\n`);
    const code = world.code();
    const scripts = {
      bash: ['bash', '--norc', '-c', 'eval "$(awsmfa env "$1" --shell bash --token-code "$2")" && printf "%s" "$AWSMFA_PROFILE"', 'bash'],
      zsh: ['zsh', '-f', '-c', 'eval "$(awsmfa env "$1" --shell zsh)" && printf "%s" "$AWSMFA_PROFILE"', 'zsh'],
      fish: ['fish', '--no-config', '-c', 'awsmfa env $argv[1] --shell fish | source; and printf "%s" "$AWSMFA_PROFILE"'],
    } as const;
    for (const [shell, [program, ...args]] of Object.entries(scripts)) {
      const result = await runProgram(program, [...args, name, code], { env: world.env, cwd: world.home });
      assert.equal(result.code, 0, `${shell}: ${result.stderr}`);
      assert.equal(result.stdout, name, `${shell}: AWSMFA_PROFILE holds the name exactly`);
      assert.ok(!CONTROL.test(result.stderr));
    }
    await assert.rejects(import('node:fs/promises').then(({ access }) => access(pwned)), 'no smuggled command ran');
    assert.equal(world.count('GetSessionToken'), 1, 'one session, then the cache');
  } finally {
    await world.close();
  }
});

test('a cached session is checked as a new one would be: a region with control characters is refused either way', async () => {
  const world = await createWorld();
  try {
    const first = await runProgram(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(first.code, 0, first.stderr);
    const config = await readFile(world.configPath, 'utf8');
    await writeFile(world.configPath, config.replace('region = eu-west-1', 'region = eu-west-1\u001b]0;owned\u0007\u001b[2J'));
    const before = await fingerprint(world.home);
    for (const args of [['env', 'doug', '--shell', 'bash'], ['env', 'doug', '--shell', 'bash', '--force', '--token-code', '123456']]) {
      const result = await runProgram(process.execPath, [CLI, ...args], { env: world.env });
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, 'false\n', `${args.join(' ')}: nothing exported`);
      assert.match(result.stderr, /^awsmfa: error: the region "eu-west-1\\u001b\]0;owned\\u0007\\u001b\[2J" of \[doug\] in .* is not an AWS region\n/);
      assert.ok(!CONTROL.test(result.stderr));
    }
    assert.deepEqual(await fingerprint(world.home), before);
  } finally {
    await world.close();
  }
});

test('a cache entry that is a FIFO, or holds a NUL or a lone surrogate, is a miss: no hang, no crash', async () => {
  const world = await createWorld();
  try {
    const cacheDir = join(world.env.XDG_CACHE_HOME!, 'awsmfa');
    const seeded = await runProgram(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(seeded.code, 0, seeded.stderr);
    const entry = join(cacheDir, (await readdir(cacheDir)).find((name) => name.startsWith('session-'))!);
    const original = JSON.parse(await readFile(entry, 'utf8')) as Record<string, string>;
    const damages: [string, () => Promise<void>][] = [
      ['a FIFO', async () => { await rm(entry); await promisify(execFile)('mkfifo', ['-m', '600', entry]); }],
      // Removed first: writing to the FIFO left by the case before would wait for a reader.
      ['a NUL in the secret key', async () => { await rm(entry); await writeFile(entry, JSON.stringify({ ...original, secretAccessKey: `${original.secretAccessKey}\u0000x` }), { mode: 0o600 }); }],
      ['a lone surrogate in the token', async () => { await rm(entry); await writeFile(entry, JSON.stringify({ ...original, sessionToken: `${original.sessionToken}\ud800` }), { mode: 0o600 }); }],
    ];
    for (const [what, damage] of damages) {
      await damage();
      for (const args of [['status'], ['list'], ['status', '--json']]) {
        const result = await runProgram(process.execPath, [CLI, ...args], { env: world.env, timeoutMs: 20_000 });
        assert.equal(result.signal, null, `${what}: ${args.join(' ')} ended by itself`);
        assert.equal(result.code, 0, `${what}: ${args.join(' ')}: ${result.stderr}`);
        assert.ok(!/unexpected error|This is a bug/.test(result.stderr), result.stderr);
      }
      // A miss needs a new session, and with no terminal to ask on, that needs --token-code: the
      // usual clean failure, where a damaged entry used to be an "unexpected error" (or a hang).
      const env = await runProgram(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash'], { env: world.env, timeoutMs: 20_000 });
      assert.equal(env.signal, null, `${what}: env ended by itself`);
      assert.equal(env.code, 1, `${what}: env: ${env.stderr}`);
      assert.equal(env.stdout, 'false\n');
      assert.match(env.stderr, /^awsmfa: error: .*\n {2}.*--token-code/, `${what}: a new session is needed: ${env.stderr}`);
    }
    await damages[0]![1]();
    const cleared = await runProgram(process.execPath, [CLI, 'clear'], { env: world.env, timeoutMs: 20_000 });
    assert.equal(cleared.signal, null, 'clear ended by itself');
    assert.equal(cleared.code, 0, cleared.stderr);
  } finally {
    await world.close();
  }
});

test('__proto__ and other names the JS SDK cannot hold are never written; one already in a file is named by doctor, and awsmfa keeps working', async () => {
  const world = await createWorld();
  try {
    const seeded = await runProgram(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash', '--token-code', world.code()], { env: world.env });
    assert.equal(seeded.code, 0, seeded.stderr);
    const before = await fingerprint(world.home);
    for (const name of ['__proto__', 'constructor', 'toString']) {
      const login = await runProgram(process.execPath, [CLI, 'login', 'doug', '--to-profile', name], { env: world.env });
      assert.equal(login.code, 1, `login --to-profile ${name}: ${login.stderr}`);
      assert.match(login.stderr, new RegExp(`^awsmfa: error: "${name}" cannot be a profile name in the credentials file\\n`));
      const setup = await runProgram(process.execPath, [CLI, 'setup', name, '--access-key-id', world.user.accessKeyId, '--secret-stdin', '--yes'], { env: world.env, stdin: `${world.user.secretAccessKey}\n` });
      assert.equal(setup.code, 1, `setup ${name}: ${setup.stderr}`);
      assert.match(setup.stderr, new RegExp(`^awsmfa: error: "${name}" cannot be a profile name\\n`));
    }
    assert.deepEqual(await fingerprint(world.home), before, 'nothing written');

    // A file that already has one: awsmfa reads it its own way and goes on; doctor names the line.
    await writeFile(world.credentialsPath, `${await readFile(world.credentialsPath, 'utf8')}\n[__proto__]\naws_access_key_id = AKIAPROTOPROTEXAMPLE\n`);
    const env = await runProgram(process.execPath, [CLI, 'env', 'doug', '--shell', 'bash'], { env: world.env });
    assert.equal(env.code, 0, env.stderr);
    const doctor = await runProgram(process.execPath, [CLI, 'doctor', 'doug', '--offline', '--json'], { env: world.env });
    const checks = JSON.parse(doctor.stdout) as { checks: { check: string; status: string; message: string }[] };
    const found = checks.checks.find((check) => check.check === 'credentials-js-sdk');
    assert.ok(found, doctor.stdout);
    assert.equal(found.status, 'warn');
    assert.match(found.message, /^line 9 of .*credentials is the section \[__proto__\], which makes the AWS SDK for JavaScript ignore every profile in the file/);
  } finally {
    await world.close();
  }
});

/** A window title, a cleared screen and a clipboard write (OSC 52), as a section name can hold them. */
const ESCAPES = 'evil\u001b]0;owned\u0007\u001b[2J\u001b]52;c;cHduZWQ=\u0007\u009b31m';
const RAW_ESCAPE = /[\u001b\u0007\u009b]/;

test('terminal escapes in a section name reach no terminal raw: the prompt of bash, zsh, fish and PowerShell, list, status, doctor', async (t) => {
  const world = await createWorld({
    credentials: (user) => `${DEFAULT_CREDENTIALS(user)}\n[${ESCAPES}]\n${keys()}mfa_serial = ${SERIAL}\n`,
  });
  try {
    const env = { ...world.env, PATH: `${world.env.PATH}:${join(homedir(), '.dotnet', 'tools')}` };
    const started = await runProgram(process.execPath, [CLI, 'env', ESCAPES, '--shell', 'bash', '--token-code', world.code()], { env });
    assert.equal(started.code, 0, started.stderr);
    assert.ok(!RAW_ESCAPE.test(started.stderr), 'env');
    const inShell = { ...env, AWSMFA_PROFILE: ESCAPES, AWSMFA_EXPIRES_AT: String(Math.floor(Date.now() / 1000) + 600) };
    for (const args of [['list'], ['status'], ['doctor', ESCAPES, '--offline'], ['doctor', '--offline']]) {
      const result = await runProgram(process.execPath, [CLI, ...args], { env: inShell });
      assert.ok(result.stdout.includes('evil'), `${args[0]} names the profile:\n${result.stdout}${result.stderr}`);
      assert.ok(!RAW_ESCAPE.test(result.stdout + result.stderr), `${args.join(' ')}: ${JSON.stringify(result.stdout + result.stderr)}`);
    }

    const prompts: Record<ShellName, (init: string) => string> = {
      bash: (init) => `source '${init}'\nPS1='> '; __awsmfa_prompt\nprintf 'shown=%s\\n' "\${PS1@P}"\n`,
      zsh: (init) => `source '${init}'\nsetopt prompt_subst; PROMPT='> '; __awsmfa_prompt\nprint -r -- "shown=\${(e)\${(%)PROMPT}}"\n`,
      fish: (init) => `source '${init}'\nprintf 'shown=%s\\n' (__awsmfa_prompt_segment)\n`,
      pwsh: (init) => `. '${init}'\n'shown=' + (__awsmfa_prompt_segment)\n`,
    };
    for (const shell of ['bash', 'zsh', 'fish', 'pwsh'] as const) {
      if (!(await shellAvailable(shell)) && !(shell === 'pwsh' && (await access(join(homedir(), '.dotnet', 'tools', 'pwsh')).then(() => true, () => false)))) {
        t.diagnostic(`${shell} not installed: its prompt is not checked`);
        continue;
      }
      const init = await initFile(shell, env, world.home);
      const run = await runShell(shell, prompts[shell](init), { env: inShell, timeoutMs: 60_000 });
      const shown = /^shown=(.*)$/m.exec(run.stdout)?.[1];
      assert.ok(shown?.includes('evil'), `${shell}: the prompt shows the session: ${JSON.stringify(run.stdout + run.stderr)}`);
      assert.ok(!RAW_ESCAPE.test(run.stdout), `${shell}: ${JSON.stringify(shown)}`);
    }
  } finally {
    await world.close();
  }
});

test('setup: an identity STS answers with terminal escapes in it is refused, and shown made safe', async () => {
  // The user's name comes back in the ARN of GetCallerIdentity, which setup checks and names.
  const user = { ...doug(), userName: 'evil\u001b]0;owned\u0007\u009b31m', accessKeyId: 'AKIAEVILEVIL0EXAMPLE', mfaSerial: 'arn:aws:iam::123456789012:mfa/evil' };
  const world = await createWorld({ users: [user], config: () => '', credentials: () => '' });
  try {
    const result = await runProgram(
      process.execPath,
      [CLI, 'setup', 'work', '--access-key-id', user.accessKeyId, '--secret-stdin', '--yes', '--region', 'us-east-1', '--mfa-serial', user.mfaSerial, '--token-code', world.emulator.code(user.mfaSerial)],
      { env: world.env, stdin: `${user.secretAccessKey}\n` },
    );
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /the key belongs to arn:aws:iam::\d+:user\/evil.*, which is not an IAM user/);
    assert.ok(!RAW_ESCAPE.test(result.stdout + result.stderr), JSON.stringify(result.stderr));
    assert.equal(await readFile(world.credentialsPath, 'utf8'), '', 'nothing was written');
  } finally {
    await world.close();
  }
});

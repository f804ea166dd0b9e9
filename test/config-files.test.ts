/**
 * ~/.aws/config and credentials are read exactly as the AWS CLI (botocore) reads them. Every case here is
 * run through both awsmfa and the real botocore (python3-botocore, one long-lived process for the file),
 * and the two readings are compared whole; the named cases then also check the specific answer.
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test, type TestContext } from 'node:test';
import { loadProfiles, selectedProfile } from '../src/aws/profiles.js';
import { Botocore, botocoreMissing } from './helpers/botocore.js';
import { assertSameReading, awsmfaView } from './helpers/config-view.js';

const missing = botocoreMissing();
let botocore: Botocore | undefined;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-config-files-'));
  if (missing === undefined) botocore = new Botocore();
});
after(async () => {
  botocore?.close();
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
/** A HOME with the two files (undefined: no such file); the environment that points at them. */
async function world(config: string | Buffer | undefined, credentials: string | Buffer | undefined, extra: Record<string, string> = {}) {
  const home = join(dir, String(n++));
  await mkdir(join(home, '.aws'), { recursive: true });
  if (config !== undefined) await writeFile(join(home, '.aws', 'config'), config);
  if (credentials !== undefined) await writeFile(join(home, '.aws', 'credentials'), credentials);
  return { HOME: home, ...extra };
}

/** Both readings of the files, asserted equal; awsmfa's returned for the case's own checks. */
async function same(t: TestContext, env: Record<string, string>) {
  const ours = await awsmfaView(env);
  if (botocore === undefined) {
    t.skip(missing);
  } else {
    assertSameReading(ours, await botocore.view(env), JSON.stringify(env));
  }
  return ours;
}

async function profilesOf(t: TestContext, config: string | Buffer | undefined, credentials: string | Buffer | undefined) {
  const view = await same(t, await world(config, credentials));
  assert.ok(!('error' in view), `expected the files to be read, got ${'error' in view ? view.error : ''}`);
  return view;
}

async function refusal(t: TestContext, config: string | Buffer | undefined, credentials: string | Buffer | undefined): Promise<string> {
  const view = await same(t, await world(config, credentials));
  assert.ok('error' in view, 'expected the files to be refused');
  return view.error;
}

const KEYS = 'aws_access_key_id = AKIAUSERUSER0EXAMPLE\naws_secret_access_key = secretEXAMPLE\n';

test('section names botocore reads: quoted, spaced, doubled spaces, non-ASCII, "=", and [profile x] in the credentials file', async (t) => {
  const view = await profilesOf(
    t,
    '[profile "my name"]\nregion = eu-west-1\n[profile  two]\nregion = eu-west-2\n[profile ünïcødé]\nregion = eu-west-3\n[profile a=b]\nregion = us-east-2\n',
    `[with space]\n${KEYS}[profile pfx]\n${KEYS}`,
  );
  assert.deepEqual(Object.keys(view.profiles).sort(), ['a=b', 'my name', 'profile pfx', 'two', 'with space', 'ünïcødé']);
  assert.equal(view.profiles['my name']!.region, 'eu-west-1');
  assert.equal(view.resolved['profile pfx']!.accessKeyId, 'AKIAUSERUSER0EXAMPLE');
});

test('keys are case-insensitive and "key: value" lines count', async (t) => {
  const view = await profilesOf(t, '[profile doug]\nRegion = eu-west-1\nMFA_Serial: arn:aws:iam::123456789012:mfa/doug\n', '[doug]\nAWS_ACCESS_KEY_ID: AKIADOUGDOUG0EXAMPLE\nAws_Secret_Access_Key=secretEXAMPLE\n');
  assert.equal(view.profiles.doug!.region, 'eu-west-1');
  assert.equal(view.profiles.doug!.mfa_serial, 'arn:aws:iam::123456789012:mfa/doug');
  assert.equal(view.resolved.doug!.accessKeyId, 'AKIADOUGDOUG0EXAMPLE');
});

test('a repeated section, a repeated key, a UTF-8 BOM, text before any section and bytes that are not UTF-8 are refused with file, line and why', async (t) => {
  const cases: [string, string | Buffer, RegExp][] = [
    ['repeated section', '[profile a]\nregion = x\n\n[profile a]\nregion = y\n', /line 4: section \[profile a\] appears twice/],
    ['repeated key', '[profile a]\nregion = x\nREGION = y\n', /line 3: key region appears twice in \[profile a\]/],
    ['BOM', '\ufeff[profile a]\nregion = x\n', /line 1: the file starts with a UTF-8 byte order mark/],
    ['no section', 'region = x\n[profile a]\n', /line 1: "region = x" comes before any \[section\] header/],
    ['not a key', '[profile a]\nregion = x\njust words\n', /line 3: "just words" is not a section header/],
    ['not UTF-8', Buffer.concat([Buffer.from('[profile a]\nregion = '), Buffer.from([0xff, 0x0a])]), /line 2: it is not valid UTF-8/],
  ];
  for (const [name, config, why] of cases) {
    await t.test(name, async (t) => {
      const message = await refusal(t, config, `[a]\n${KEYS}`);
      assert.match(message, /the AWS CLI cannot read .*\.aws\/config \("Unable to parse config file"\)/);
      assert.match(message, why);
    });
  }
  await t.test('a refused credentials file is named', async (t) => {
    assert.match(await refusal(t, '[profile a]\nregion = x\n', `[a]\n${KEYS}[a]\n${KEYS}`), /\.aws\/credentials .*line 4: section \[a\] appears twice/);
  });
});

test('[profile default] and [default]: the later section is the profile', async (t) => {
  const first = await profilesOf(t, '[default]\nregion = eu-west-1\n[profile default]\nregion = eu-west-2\n', undefined);
  assert.equal(first.profiles.default!.region, 'eu-west-2');
  const second = await profilesOf(t, '[profile default]\nregion = eu-west-2\n[default]\nregion = eu-west-1\n', undefined);
  assert.equal(second.profiles.default!.region, 'eu-west-1');
});

test('an inline comment is part of the value; whole-line comments are not; indented lines continue a value', async (t) => {
  const view = await profilesOf(
    t,
    '[profile doug] # the header may have one\nregion = eu-west-1 # not a comment\n  # a comment, even indented\n; another\nrole_session_name = first\n  second\n\ns3 =\n  max_concurrent_requests = 20\n  addressing_style = path\n',
    undefined,
  );
  assert.equal(view.profiles.doug!.region, 'eu-west-1 # not a comment');
  assert.equal(view.profiles.doug!.role_session_name, 'first\nsecond');
  assert.equal(view.profiles.doug!['s3.addressing_style'], 'path');
});

test('CRLF and lone CR line endings, and a [DEFAULT] section whose keys every profile inherits', async (t) => {
  const view = await profilesOf(t, '[DEFAULT]\r\nregion = eu-central-1\r\n[profile a]\rmfa_serial = x\r[profile b]\nregion = us-west-2\n', undefined);
  assert.deepEqual({ ...view.profiles.a }, { mfa_serial: 'x', region: 'eu-central-1' });
  assert.equal(view.profiles.b!.region, 'us-west-2');
});

test('sso-session, services and other sections of the config file are not profiles', async (t) => {
  const view = await profilesOf(t, '[sso-session corp]\nsso_region = eu-west-1\n[services local]\nsts =\n  endpoint_url = http://127.0.0.1:1\n[plain]\nregion = x\n[profilex]\nregion = y\n[profile a]\nservices = local\n', undefined);
  assert.deepEqual(Object.keys(view.profiles), ['a']);
});

test('a [services x] section named by the profile gives the STS endpoint, after AWS_ENDPOINT_URL_STS and before AWS_ENDPOINT_URL', async (t) => {
  const env = await world(`[services local]\nsts =\n  endpoint_url = http://127.0.0.1:4566\n[profile doug]\nservices = local\nendpoint_url = http://127.0.0.1:1\n`, `[doug]\n${KEYS}`);
  await same(t, env);
  const doug = (await loadProfiles(env)).resolve('doug');
  assert.equal(doug.stsEndpointUrl, 'http://127.0.0.1:4566');
  const { stsTarget } = await import('../src/aws/sts.js');
  assert.equal(stsTarget(doug, { AWS_ENDPOINT_URL: 'http://127.0.0.1:2' }).endpoint, 'http://127.0.0.1:4566');
  assert.equal(stsTarget(doug, { AWS_ENDPOINT_URL_STS: 'http://127.0.0.1:3' }).endpoint, 'http://127.0.0.1:3');
});

test('AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE with ~ and $VARIABLES, as botocore expands them', async (t) => {
  const base = await world(undefined, undefined);
  const home = base.HOME;
  await mkdir(join(home, 'elsewhere'));
  await writeFile(join(home, 'elsewhere', 'cfg'), '[profile far]\nregion = ap-south-1\n');
  await writeFile(join(home, 'elsewhere', 'creds'), `[far]\n${KEYS}`);
  for (const env of [
    { HOME: home, WHERE: 'unused', AWS_CONFIG_FILE: '~/elsewhere/cfg', AWS_SHARED_CREDENTIALS_FILE: '$HOME/elsewhere/creds' },
    { HOME: home, WHERE: 'elsewhere', AWS_CONFIG_FILE: '${HOME}/$WHERE/cfg', AWS_SHARED_CREDENTIALS_FILE: '~/${WHERE}/creds' },
  ]) {
    const view = await same(t, env);
    assert.ok(!('error' in view));
    assert.equal(view.profiles.far!.region, 'ap-south-1');
    assert.equal(view.resolved.far!.accessKeyId, 'AKIAUSERUSER0EXAMPLE');
  }
});

test('the profile used when none is named: AWS_DEFAULT_PROFILE, then AWS_PROFILE, then default (botocore\'s order)', async (t) => {
  const cases: [Record<string, string>, string][] = [
    [{ AWS_PROFILE: 'a', AWS_DEFAULT_PROFILE: 'b' }, 'b'],
    [{ AWS_PROFILE: 'a' }, 'a'],
    [{ AWS_DEFAULT_PROFILE: 'b' }, 'b'],
    [{}, 'default'],
  ];
  for (const [variables, expected] of cases) {
    assert.equal(selectedProfile(variables).name, expected);
    if (botocore !== undefined) {
      const theirs = await botocore.view(await world(undefined, undefined, variables), { resolve: false });
      assert.equal('selected' in theirs ? (theirs.selected ?? 'default') : undefined, expected);
    }
  }
  if (botocore === undefined) t.skip(missing);
});

test('credentials file keys win over the config file\'s, as a pair; an empty value there still wins', async (t) => {
  const view = await profilesOf(
    t,
    `[profile doug]\nregion = eu-west-1\naws_access_key_id = AKIACONFIGCO0EXAMPLE\naws_secret_access_key = configEXAMPLE\n[profile split]\naws_secret_access_key = configEXAMPLE\n`,
    '[doug]\naws_access_key_id = AKIADOUGDOUG0EXAMPLE\naws_secret_access_key = secretEXAMPLE\nregion =\n[split]\naws_access_key_id = AKIASPLITSPL0EXAMPLE\n',
  );
  assert.equal(view.resolved.doug!.accessKeyId, 'AKIADOUGDOUG0EXAMPLE');
  assert.equal(view.profiles.doug!.region, '');
  assert.match(view.resolved.split!.error!, /has no aws_secret_access_key in .*credentials/);
});

test('role chains: own keys of a source win over its role_arn; each role keeps its own mfa_serial; loops are refused', async (t) => {
  const view = await profilesOf(
    t,
    '[profile top]\nrole_arn = arn:aws:iam::123456789012:role/top\nsource_profile = mid\nmfa_serial = arn:aws:iam::123456789012:mfa/top\n' +
      '[profile mid]\nrole_arn = arn:aws:iam::123456789012:role/mid\nsource_profile = user\n' +
      '[profile keyed]\nrole_arn = arn:aws:iam::123456789012:role/keyed\nsource_profile = keyed\n' +
      '[profile loop1]\nrole_arn = arn:aws:iam::123456789012:role/l1\nsource_profile = loop2\n[profile loop2]\nrole_arn = arn:aws:iam::123456789012:role/l2\nsource_profile = loop1\n',
    `[user]\n${KEYS}[keyed]\n${KEYS}`,
  );
  assert.deepEqual(view.resolved.top!.roles, [
    { roleArn: 'arn:aws:iam::123456789012:role/top', mfaSerial: 'arn:aws:iam::123456789012:mfa/top' },
    { roleArn: 'arn:aws:iam::123456789012:role/mid', mfaSerial: null },
  ]);
  assert.equal(view.resolved.keyed!.roles!.length, 1);
  assert.match(view.resolved.loop1!.error!, /source_profile loops/);
});

test('SSO, credential_process and credential_source are refused with what awsmfa is for and what to use instead', async (t) => {
  const view = await profilesOf(
    t,
    '[sso-session corp]\nsso_region = eu-west-1\nsso_start_url = https://corp.awsapps.com/start\n' +
      '[profile sso]\nsso_session = corp\nsso_account_id = 123456789012\nsso_role_name = Admin\n' +
      '[profile legacy]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\nsso_account_id = 123456789012\nsso_role_name = Admin\n' +
      '[profile viasso]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = sso\n' +
      '[profile ec2]\nrole_arn = arn:aws:iam::123456789012:role/x\ncredential_source = Ec2InstanceMetadata\n',
    undefined,
  );
  for (const name of ['sso', 'legacy', 'viasso']) {
    assert.match(view.resolved[name]!.error!, /gets its credentials from AWS IAM Identity Center \(SSO\) .*awsmfa makes MFA sessions from IAM users' long-term keys/);
    assert.doesNotMatch(view.resolved[name]!.error!, /has no aws_access_key_id/);
  }
  assert.match(view.resolved.ec2!.error!, /credential_source in .*not from an IAM user's keys/);
  const set = (await awsmfaView(await world('[profile p]\ncredential_process = /bin/false\n[profile r]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = p\n', undefined))) as { set: import('../src/aws/profiles.js').ProfileSet };
  assert.throws(() => set.set.resolve('r'), /gets its credentials from a credential_process command/);
});

test('the writer finds sections and keys as the reader does, and the AWS CLI reads what it wrote', async (t) => {
  const { updateIniFile, updateIniText } = await import('../src/aws/ini-file.js');
  assert.equal(updateIniText('[profile "doug"]\nregion = a\n', 'profile doug', { region: 'b' }), '[profile "doug"]\nregion = b\n');
  assert.equal(updateIniText('[profile  doug]\nRegion: a\n', 'profile doug', { region: 'b' }), '[profile  doug]\nRegion: b\n');
  assert.equal(updateIniText('[x]\nregion = a # old\n  continued\n; kept\nother = 1\n', 'x', { region: 'b' }), '[x]\nregion = b\n; kept\nother = 1\n');
  assert.equal(updateIniText('[x]\ns3 =\n  region = inner\n', 'x', { region: 'outer' }), '[x]\ns3 =\n  region = inner\nregion = outer\n');

  const env = await world('[profile "doug"]\nRegion: eu-west-1 # old\n  continued\n', '[doug]\nAWS_ACCESS_KEY_ID = AKIAOLDOLDOL0EXAMPLE\naws_secret_access_key = oldEXAMPLE\n');
  await updateIniFile(join(env.HOME, '.aws', 'config'), 'profile doug', { region: 'eu-west-2', mfa_serial: 'arn:aws:iam::123456789012:mfa/doug' });
  await updateIniFile(join(env.HOME, '.aws', 'credentials'), 'doug', { aws_access_key_id: 'AKIANEWNEWNE0EXAMPLE' });
  const view = await same(t, env);
  assert.ok(!('error' in view));
  assert.deepEqual({ ...view.profiles.doug }, { region: 'eu-west-2', mfa_serial: 'arn:aws:iam::123456789012:mfa/doug', aws_access_key_id: 'AKIANEWNEWNE0EXAMPLE', aws_secret_access_key: 'oldEXAMPLE' });
});

test('the writer leaves a file the AWS CLI refuses as it is, and says why', async () => {
  const { updateIniFile } = await import('../src/aws/ini-file.js');
  const { readFile } = await import('node:fs/promises');
  const env = await world(undefined, `[doug]\n${KEYS}[doug]\nregion = x\n`);
  const path = join(env.HOME, '.aws', 'credentials');
  const before = await readFile(path);
  await assert.rejects(updateIniFile(path, 'doug', { aws_session_token: 'T' }), /cannot read .*credentials \("Unable to parse config file"\): line 4: section \[doug\] appears twice.*changes nothing/);
  assert.deepEqual(await readFile(path), before);
});

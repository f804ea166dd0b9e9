import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { loadProfiles } from '../src/aws/profiles.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-profiles-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

let n = 0;
async function files(config: string, credentials: string) {
  const d = join(dir, String(n++));
  await mkdir(d);
  await writeFile(join(d, 'config'), config);
  await writeFile(join(d, 'credentials'), credentials);
  return { AWS_CONFIG_FILE: join(d, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(d, 'credentials') };
}

const KEYS = 'aws_access_key_id = AKIADOUGDOUG0EXAMPLE\naws_secret_access_key = secretEXAMPLE\n';

test('config and credentials are read as the AWS CLI reads them', async () => {
  const env = await files(
    `[default]\nregion = us-east-1\n\n[profile doug] # comment\nmfa_serial = arn:aws:iam::123456789012:mfa/doug ; trailing\nregion = eu-west-1\ns3 =\n  max_concurrent_requests = 20\nduration_seconds = 3600\n\n[doug-in-config-without-prefix]\nregion = x\n`,
    `[doug]\n${KEYS}`,
  );
  const profiles = await loadProfiles(env);
  assert.deepEqual(profiles.names(), ['default', 'doug']);
  const doug = profiles.resolve('doug');
  // As in the AWS CLI, " ; trailing" is part of the value, not a comment (doctor warns about it).
  assert.equal(doug.mfaSerial, 'arn:aws:iam::123456789012:mfa/doug ; trailing');
  assert.equal(doug.region, 'eu-west-1');
  assert.equal(doug.durationSeconds, 3600);
  assert.equal(doug.keys.accessKeyId, 'AKIADOUGDOUG0EXAMPLE');
  assert.equal(doug.keys.file, env.AWS_SHARED_CREDENTIALS_FILE);
  assert.deepEqual(doug.roles, []);
});

test('an unknown profile names the files and suggests the nearest names', async () => {
  const env = await files('[profile doug]\nregion = a\n[profile dough]\nregion = a\n[profile production]\nregion = a\n', `[doug]\n${KEYS}`);
  const profiles = await loadProfiles(env);
  assert.throws(
    () => profiles.resolve('dgu'),
    (error: Error & { hint?: string }) => error.message.includes(env.AWS_CONFIG_FILE) && /Did you mean "doug"/.test(error.hint ?? ''),
  );
  assert.deepEqual(profiles.suggest('prod'), ['production']);
  assert.deepEqual(profiles.suggest('zzzzzzzzzzzz'), []);
});

test('keys come from the source_profile chain; mfa_serial and region from the nearest profile that sets them', async () => {
  const env = await files(
    '[profile base]\nregion = us-west-2\nmfa_serial = arn:aws:iam::123456789012:mfa/doug\n[profile plain]\nsource_profile = base\n',
    `[base]\n${KEYS}`,
  );
  const plain = (await loadProfiles(env)).resolve('plain');
  assert.deepEqual(plain.chain, ['plain', 'base']);
  assert.equal(plain.keys.profile, 'base');
  assert.equal(plain.region, 'us-west-2');
  assert.equal(plain.mfaSerial, 'arn:aws:iam::123456789012:mfa/doug');
});

test('role chains are resolved from the user upwards', async () => {
  const env = await files(
    '[profile user]\nmfa_serial = arn:aws:iam::123456789012:mfa/doug\n[profile first]\nrole_arn = arn:aws:iam::1:role/first\nsource_profile = user\n[profile second]\nrole_arn = arn:aws:iam::2:role/second\nsource_profile = first\nexternal_id = xyz\n',
    `[user]\n${KEYS}`,
  );
  const second = (await loadProfiles(env)).resolve('second');
  assert.deepEqual(second.roles.map((hop) => hop.roleArn), ['arn:aws:iam::1:role/first', 'arn:aws:iam::2:role/second']);
  assert.equal(second.roles[1]?.externalId, 'xyz');
  assert.equal(second.keys.profile, 'user');
});

test('a source_profile loop is an error naming the profiles', async () => {
  const env = await files('[profile a]\nrole_arn = arn:aws:iam::1:role/a\nsource_profile = b\n[profile b]\nrole_arn = arn:aws:iam::1:role/b\nsource_profile = a\n', '');
  const profiles = await loadProfiles(env);
  assert.throws(() => profiles.resolve('a'), /source_profile loops: \[a\] -> \[b\] -> \[a\]/);
});

test('missing keys, session keys and bad durations are explained', async () => {
  const env = await files(
    '[profile nokeys]\nmfa_serial = arn:aws:iam::123456789012:mfa/doug\n[profile temp]\n[profile baddur]\nduration_seconds = 12h\n',
    `[temp]\naws_access_key_id = ASIATEMPTEMPTEXAMPLE\naws_secret_access_key = s\naws_session_token = t\n[baddur]\n${KEYS}`,
  );
  const profiles = await loadProfiles(env);
  assert.throws(() => profiles.resolve('nokeys'), /has no aws_access_key_id/);
  assert.throws(() => profiles.resolve('temp'), /temporary session keys/);
  assert.throws(() => profiles.resolve('baddur'), /duration_seconds .* not a whole number/);
});

test('a config path that is a directory or a symlink loop is an error, not an empty config', async () => {
  const d = join(dir, 'weird');
  await mkdir(join(d, 'config'), { recursive: true });
  await assert.rejects(loadProfiles({ AWS_CONFIG_FILE: join(d, 'config'), AWS_SHARED_CREDENTIALS_FILE: join(d, 'none') }), /is not a regular file/);
  await symlink(join(d, 'loop2'), join(d, 'loop1'));
  await symlink(join(d, 'loop1'), join(d, 'loop2'));
  await assert.rejects(loadProfiles({ AWS_CONFIG_FILE: join(d, 'loop1'), AWS_SHARED_CREDENTIALS_FILE: join(d, 'none') }), /loops/);
});

test('missing files are simply empty', async () => {
  const profiles = await loadProfiles({ AWS_CONFIG_FILE: join(dir, 'nope1'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'nope2') });
  assert.deepEqual(profiles.names(), []);
});

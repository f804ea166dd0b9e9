/**
 * doctor's file checks in-process, over the whole mode mask: the credentials file is flagged for each
 * group and other bit (it holds long-term keys), the config file for each write bit of group and others
 * (it can name commands that run as the user) and for nothing else.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { checkFiles } from '../src/doctor/files.js';

let dir: string;
let files: { configPath: string; credentialsPath: string };
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'awsmfa-doctor-files-'));
  files = { configPath: join(dir, 'config'), credentialsPath: join(dir, 'credentials') };
  await writeFile(files.configPath, '[profile doug]\nmfa_serial = arn:aws:iam::123456789012:mfa/doug\n');
  await writeFile(files.credentialsPath, '[doug]\naws_access_key_id = AKIADOUGDOUG0EXAMPLE\n');
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const octal = (mode: number) => mode.toString(8).padStart(4, '0');
const BITS = [0o040, 0o020, 0o010, 0o004, 0o002, 0o001];

async function checksWith(configMode: number, credentialsMode: number) {
  await chmod(files.configPath, configMode);
  await chmod(files.credentialsPath, credentialsMode);
  return checkFiles(files);
}

for (const bit of BITS) {
  test(`credentials file of mode ${octal(0o600 | bit)}: flagged, with chmod 600`, async () => {
    const results = await checksWith(0o600, 0o600 | bit);
    const flagged = results.find((result) => result.check === 'credentials-mode');
    assert.ok(flagged, JSON.stringify(results));
    assert.equal(flagged.message, `credentials file ${files.credentialsPath} is readable by other users (mode ${octal(0o600 | bit)}); it holds long-term keys`);
    assert.equal(flagged.fix, `chmod 600 ${files.credentialsPath}`);
  });

  const writable = (bit & 0o022) !== 0;
  test(`config file of mode ${octal(0o644 | bit)}: ${writable ? 'flagged, with chmod go-w' : 'fine (others may read it)'}`, async () => {
    const results = await checksWith(0o644 | bit, 0o600);
    const flagged = results.find((result) => result.check === 'config-mode');
    if (writable) {
      assert.equal(flagged?.message, `config file ${files.configPath} is writable by other users (mode ${octal(0o644 | bit)}); they could make mfa_process run anything as you`);
      assert.equal(flagged?.fix, `chmod go-w ${files.configPath}`);
    } else {
      assert.equal(flagged, undefined, JSON.stringify(results));
    }
  });
}

test('credentials file 0600 and 0400: private, and said so', async () => {
  for (const mode of [0o600, 0o400]) {
    const results = await checksWith(0o644, mode);
    assert.equal(results.find((result) => result.check === 'credentials-mode'), undefined);
    assert.equal(
      results.find((result) => result.check === 'credentials-file')?.message,
      `credentials file ${files.credentialsPath} is readable and private to you (mode ${octal(mode)})`,
    );
  }
});

// Checks the output of a test run for secrets issued during it.
//
//   AWSMFA_EMULATOR_SECRETS_LOG=/tmp/secrets npm test 2>&1 | tee /tmp/test-output
//   node scripts/check-secrets.mjs /tmp/secrets /tmp/test-output
//
// The emulator of every test world appends the users' secret keys and each issued session's secret key
// and token to the log. Any of them found in the output (a failure message that quoted stderr, a debug
// line, a console.log) is reported by file, line and a short prefix, never in full; the status is 1.
import { readFile } from 'node:fs/promises';

const [log, ...outputs] = process.argv.slice(2);
if (log === undefined || outputs.length === 0) {
  console.error('usage: node scripts/check-secrets.mjs SECRETS_LOG OUTPUT_FILE...');
  process.exit(2);
}
// Short values could match by chance; no key AWS (or the emulator) issues is that short.
const secrets = [...new Set((await readFile(log, 'utf8')).split('\n').filter((line) => line.length >= 16))];
let leaks = 0;
for (const file of outputs) {
  const lines = (await readFile(file, 'utf8')).split('\n');
  for (const [index, line] of lines.entries()) {
    for (const secret of secrets) {
      if (line.includes(secret)) {
        leaks += 1;
        console.error(`${file}:${index + 1}: a secret (${secret.slice(0, 4)}…, ${secret.length} characters)`);
      }
    }
  }
}
console.log(`${secrets.length} secrets checked in ${outputs.length} file(s): ${leaks} found`);
process.exit(leaks === 0 ? 0 : 1);

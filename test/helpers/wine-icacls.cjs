// Preloaded (NODE_OPTIONS) into every node.exe of a Wine test, it acts only in a copy of node.exe
// named icacls.exe: Wine's own icacls does nothing and prints nothing, so this one stands in for
// Windows'. It records each call's arguments, and for a listing (one argument) prints what Windows
// would for a file that Everyone may read; with AWSMFA_TEST_ICACLS_FAIL set, it fails as Windows'
// does when access is denied.
if (/icacls\.exe$/i.test(process.execPath)) {
  const args = process.argv.slice(1);
  require('node:fs').appendFileSync(process.env.AWSMFA_TEST_ICACLS_LOG, `${JSON.stringify(args)}\n`);
  if (process.env.AWSMFA_TEST_ICACLS_FAIL) {
    process.stdout.write(`${args[0]}: Access is denied.\r\nSuccessfully processed 0 files; Failed processing 1 files\r\n`);
    process.exit(5);
  }
  if (args.length === 1) {
    const pad = ' '.repeat(args[0].length + 1);
    const user = `${process.env.USERDOMAIN}\\${process.env.USERNAME}`;
    process.stdout.write(`${args[0]} ${user}:(F)\r\n${pad}NT AUTHORITY\\SYSTEM:(F)\r\n${pad}Everyone:(R)\r\n\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n`);
  } else {
    process.stdout.write('processed file: ' + args[0] + '\r\nSuccessfully processed 1 files; Failed processing 0 files\r\n');
  }
  process.exit(0);
}

// Run by node.exe under Wine: holds `target` open without sharing (as some Windows programs open
// files), proves that a rename over it is refused meanwhile, writes what it found to `marker`, and
// lets go after `ms` milliseconds.
const fs = require('node:fs');
const [target, ms, marker] = process.argv.slice(2);
const fd = fs.openSync(target, fs.constants.O_RDONLY | fs.constants.UV_FS_O_EXLOCK);
const probe = `${target}.probe`;
fs.writeFileSync(probe, '');
let refused = 'renamed';
try {
  fs.renameSync(probe, target);
} catch (error) {
  refused = error.code;
  fs.unlinkSync(probe);
}
fs.writeFileSync(marker, refused);
setTimeout(() => fs.closeSync(fd), Number(ms));

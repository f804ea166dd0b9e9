// Preloaded into node.exe by the Wine tests. Wine sets LOCALAPPDATA and USERPROFILE itself, whatever
// the Linux environment says; these give each test a Windows profile of its own instead.
if (process.env.AWSMFA_TEST_LOCALAPPDATA) process.env.LOCALAPPDATA = process.env.AWSMFA_TEST_LOCALAPPDATA;
if (process.env.AWSMFA_TEST_USERPROFILE) process.env.USERPROFILE = process.env.AWSMFA_TEST_USERPROFILE;

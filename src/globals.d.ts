/** Replaced by the bundler with the version in package.json. */
declare const AWSMFA_VERSION: string;

/** The platform this process runs on; the only place that asks process.platform. */
import type { Platform } from './platform.js';
import { posix } from './posix.js';
import { win32 } from './win32.js';

export type { Platform } from './platform.js';

export const platform: Platform = process.platform === 'win32' ? win32 : posix;

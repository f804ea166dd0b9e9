/** The demo's profile names: an IAM user with a virtual MFA device, and a role that requires MFA. */
export const DEMO_USER_PROFILE = 'demo';
export const DEMO_ROLE_PROFILE = 'demo-admin';

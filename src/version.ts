// Replaced at bundle time by the version in package.json; the fallback serves tests.
declare const __AIOS_VERSION__: string | undefined;
export const VERSION: string = typeof __AIOS_VERSION__ === 'string' ? __AIOS_VERSION__ : '0.1.0-dev';

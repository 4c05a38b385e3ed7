// The test image's passwords (never in a production build), in a module of their own so that
// bench/image-boot.ts can log in without importing the test helpers (which load vitest).
export const TEST_ACCOUNTS = {
  root: 'aios-root-test',
  ada: 'aios-ada-test',
  rescue: 'aios-rescue-test',
  /** GRUB's superuser "root", for editing a menu entry. */
  grub: 'aios-grub-test',
} as const;

// @ts-check
import { defineConfig } from 'vitest/config';

// `npm run test:image`: builds the node image and boots it under QEMU (minutes, root needed).
// Kept apart from `npm test`, which stays fast and unprivileged.
export default defineConfig({
  test: {
    include: ['test/image/**/*.image.ts'],
    // The image is built once (minutes) and shared by every file.
    globalSetup: ['test/image/global-setup.ts'],
    testTimeout: 10 * 60_000,
    hookTimeout: 30 * 60_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});

// Builds the test image once for every file of `npm run test:image`, and probes KVM once.
import type { TestProject } from 'vitest/node';
import { buildTestImage, type TestImage } from './image-build.js';
import { kvmWorks, type Accel } from './qemu-node.js';

declare module 'vitest' {
  export interface ProvidedContext {
    image: TestImage;
    accel: Accel;
  }
}

export default function setup(project: TestProject): void {
  const image = buildTestImage();
  project.provide('image', image);
  project.provide('accel', kvmWorks(image.kernel) ? 'kvm' : 'tcg');
}

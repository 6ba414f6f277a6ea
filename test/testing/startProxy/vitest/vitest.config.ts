// Only the kit's vitest example: this folder is vitest's root, and nothing else in test/ is vitest's.
import { defineConfig } from 'vitest/config';

export default defineConfig({ test: { include: ['*.example.ts'], testTimeout: 30_000, hookTimeout: 30_000 } });

/**
 * Preloaded by scripts/test.sh into `node --test` and so into each test file's child process.
 * With --test-force-exit a child calls process.exit as soon as its tests end, and the report frames
 * still buffered for its stdout pipe are lost: the parent counts fewer tests than ran and passes
 * (nodejs/node#64833; seen here as the last eight tests of src/registry/avro-format.test.ts missing
 * from a CI run's total). In a child (NODE_TEST_CONTEXT set) process.exit waits for stdout to
 * drain first, five seconds at most.
 */
if (process.env['NODE_TEST_CONTEXT'] !== undefined) {
  const exit = process.exit.bind(process);
  process.exit = ((code?: number | string | null) => {
    if (process.stdout.writableLength === 0) return exit(code);
    const timer = setTimeout(() => exit(code), 5_000);
    process.stdout.once('drain', () => {
      clearTimeout(timer);
      exit(code);
    });
    return undefined as never;
  }) as typeof process.exit;
}

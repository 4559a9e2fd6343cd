/**
 * End the process as soon as the step's work is done, with the exit code set
 * so far (core.setFailed sets 1). Left to itself Node first tears down what
 * the step no longer needs (fetch's idle keep-alive sockets, its dispatcher),
 * which costs tens of milliseconds after the last output. Standard output and
 * error are flushed first: on Windows runners they are asynchronous pipes.
 */
export async function exitNow(): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))),
  );
  process.exit();
}

import type { S3Client } from '@aws-sdk/client-s3';

/** Names of the S3 commands `client` sends from now on: proof of what a call did, or did not, ask S3. */
export function observeCommands(client: S3Client): string[] {
  const sent: string[] = [];
  // The deserialize step runs only for requests that go out: presigning a URL stops before it.
  client.middlewareStack.add((next, context) => (args) => {
    sent.push(context.commandName!);
    return next(args);
  }, { step: 'deserialize' });
  return sent;
}

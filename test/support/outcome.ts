/** What a call settles to: 'ok', or the error's class and its reason (our errors) or message. */
export async function outcome(attempt: Promise<unknown>): Promise<string> {
  try {
    await attempt;
    return 'ok';
  } catch (error) {
    const { reason, message } = error as { reason?: string; message: string };
    return `${(error as Error).constructor.name}: ${reason ?? message}`;
  }
}

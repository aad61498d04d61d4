import { StoreTimeoutError } from './store-errors';

/**
 * Runs `call` with an AbortSignal that fires after `ms`; a call cut short that way rejects with
 * StoreTimeoutError, whatever error the aborted call itself gave. The deadline covers the SDK's
 * own retries too: it is one bound on the whole wait.
 */
export async function withDeadline<T>(what: string, ms: number, call: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), ms);
  try {
    return await call(controller.signal);
  } catch (error) {
    if (controller.signal.aborted) throw new StoreTimeoutError(what, ms);
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

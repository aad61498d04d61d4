/** The store did not answer within the deadline (ServerLimits.storeTimeoutMs); the client gets 504. */
export class StoreTimeoutError extends Error {
  constructor(what: string, ms: number) {
    super(`the store did not finish ${what} within ${ms} ms`);
    this.name = 'StoreTimeoutError';
  }
}

/**
 * The stored object is not the entry that was stored (its size differs from the size recorded
 * with it, or nothing was recorded: a write the store kept although it was cut short).
 * It is never served (the client gets a miss), and a PUT of the same hash replaces it.
 */
export class DamagedEntryError extends Error {
  constructor(key: string, detail: string) {
    super(
      `stored object ${key} is not a whole entry (${detail}): a write still under way, or one cut short; not served, and the next PUT of this hash replaces it`,
    );
    this.name = 'DamagedEntryError';
  }
}

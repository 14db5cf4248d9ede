/**
 * Runs work for one key (a charger) strictly in the order it was handed
 * in, while different keys run side by side. Messages from a charger are
 * processed after they are acknowledged; this keeps a StopTransaction from
 * overtaking the MeterValues that came before it.
 */
export interface SerialLanes {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
  /** Resolves when every lane has finished what it was given so far. */
  idle(): Promise<void>;
}

export function createSerialLanes(): SerialLanes {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      const next = previous.then(work, work);
      const tail = next.catch(() => {});
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return next;
    },
    async idle() {
      while (tails.size > 0) await Promise.all([...tails.values()]);
    },
  };
}

// Group commit, as databases batch their commits: while `inFlight` batches of one kind are on their way, the items
// that arrive meanwhile wait and then go together as one batch. Nothing waits on a timer: with nothing in flight an
// item leaves at once, so a quiet server answers as fast as without it; under load, N concurrent writes cost a few
// commands instead of N. Each item's promise settles with what `send` gives it (or the batch's error).
export interface Waiting<T, R> {
  item: T;
  resolve(value: R): void;
  reject(err: unknown): void;
}

/** A queue that sends whatever waits as one batch whenever fewer than `inFlight` batches are on their way. */
export function groupCommit<T, R>(send: (batch: Waiting<T, R>[]) => Promise<void>, inFlight: number, maxBatch: number): (item: T) => Promise<R> {
  const queue: Waiting<T, R>[] = [];
  let running = 0;
  const pump = () => {
    while (running < inFlight && queue.length) {
      const batch = queue.splice(0, maxBatch);
      running++;
      send(batch)
        .catch((err: unknown) => batch.forEach((w) => w.reject(err)))
        .finally(() => {
          running--;
          pump();
        });
    }
  };
  return (item) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      pump();
    });
}


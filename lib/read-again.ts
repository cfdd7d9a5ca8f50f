import { classify } from './driver-errors.ts';

/**
 * A read sent once more when its connection turns out to be dead. A pooled connection that died
 * while idle (a restarted server, `wait_timeout`, a KILL) fails the first query sent on it, and
 * the pool drops it then: the second attempt gets a live connection. For reads only: a write
 * whose connection died may have committed.
 */
export async function readAgainIfLost<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (classify(error) !== 'connection') throw error;
    return read();
  }
}

/**
 * `fn`, made unable to throw: a throw becomes `undefined`. The one try/catch of the tracker's own code
 * (the transport's has a fallback of its own): a failing call is a lost event, never a broken page.
 */
export const guard =
  <A extends unknown[], R>(fn: (...args: A) => R) =>
  (...args: A): R | undefined => {
    try {
      return fn(...args);
    } catch {
      return undefined;
    }
  };

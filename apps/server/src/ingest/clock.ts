/**
 * When a message happened, in the server's clock: a device's clock may be off by hours, but the interval
 * between `timestamp` and `sentAt` is measured on that same clock, so `receivedAt − (sentAt − timestamp)`
 * is right whatever the skew. Without `sentAt`, `timestamp` is trusted (backends importing history);
 * without either, the receive time. A result in the future is clamped to the receive time.
 */
export function correctTimestamp(receivedAt: Date, timestamp?: string, sentAt?: string): Date {
  if (!timestamp) return receivedAt;
  const t = Date.parse(timestamp);
  if (Number.isNaN(t)) return receivedAt;
  const s = sentAt ? Date.parse(sentAt) : Number.NaN;
  const corrected = Number.isNaN(s) ? t : receivedAt.getTime() - (s - t);
  return new Date(Math.min(corrected, receivedAt.getTime()));
}

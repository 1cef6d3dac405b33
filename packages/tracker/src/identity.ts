/**
 * Whether `identify(userId)` names someone other than the person this browser is identified as: on a
 * shared computer the next person gets a new anonymous id, so that the first one's history stays theirs.
 * A missing userId (an identify that only adds traits) or the first userId never switches.
 */
export const switchesPerson = (storedUserId: string | undefined, userId: string | null | undefined): boolean =>
  userId != null && storedUserId != null && storedUserId != userId;

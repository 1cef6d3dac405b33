import type { Queryable } from './db.js';
import type { IdentityMessage } from './event-rows.js';

// Placeholder until the identity module lands (owned by the identity work): stores nothing yet.
export async function applyIdentities(_tx: Queryable, _messages: IdentityMessage[]): Promise<void> {}
